// The proxy's configuration surface: `leash serve --upstream-url name=url --secrets-file F`
// and the `proxy` section of the config file and environment, validated by the server's
// one config loader.
import { describe, expect, it } from 'vitest';
import { flagsFrom } from '../../cli/commands/serve.ts';
import { ConfigError, loadConfig } from '../../server/config/index.ts';

const base = { bundle: { path: 'b.tar.gz' }, identity: { jwks: 'j.json', issuer: ['i'], audience: ['a'] } };

describe('proxy configuration', () => {
  it('takes repeatable --upstream-url flags and --secrets-file', () => {
    const flags = flagsFrom({ upstreamUrl: ['stripe=http://127.0.0.1:9999', 'openai=http://127.0.0.1:9998'], secretsFile: '/etc/leash/secrets.yaml' });
    const config = loadConfig({ env: {}, flags: { ...flags, ...base } });
    expect(config.proxy.upstreamUrls).toEqual(['stripe=http://127.0.0.1:9999', 'openai=http://127.0.0.1:9998']);
    expect(config.proxy.secretsFile).toBe('/etc/leash/secrets.yaml');
    expect(config.proxy.inspectBodyBytes).toBe(1_048_576);
  });

  it('reads the environment, and names a bad field', () => {
    const config = loadConfig({ env: { LEASH_UPSTREAM_URLS: 'stripe=http://a,twilio=http://b', LEASH_PROXY_HEADERS_TIMEOUT_MS: '1500' }, flags: base });
    expect(config.proxy.upstreamUrls).toEqual(['stripe=http://a', 'twilio=http://b']);
    expect(config.proxy.headersTimeoutMs).toBe(1500);
    expect(() => loadConfig({ env: { LEASH_PROXY_INSPECT_BYTES: '12' }, flags: base })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { LEASH_PROXY_INSPECT_BYTES: '12' }, flags: base })).toThrow(/proxy\.inspectBodyBytes: must be between 1024/);
  });
});
