// Configuration: file < environment < flags, and every bad value rejected with the field name
// and where the value came from (the secret itself is never shown).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, configNotices, loadConfig } from '../../server/config/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'leash-cfg-'));
const required = { bundle: { path: 'b.tar.gz' }, identity: { jwks: 'j.json', issuer: ['i'], audience: ['a'] } };

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('applies defaults, then the file, then the environment, then flags', () => {
    const file = join(dir, 'leash.yaml');
    writeFileSync(file, 'server:\n  port: 9000\n  host: 0.0.0.0\nidentity:\n  issuer: [https://idp.example]\n  audience: [leash]\n  jwks: /etc/jwks.json\nbundle:\n  path: /srv/bundle.tar.gz\n');
    const c = loadConfig({ file, env: { LEASH_PORT: '9100' }, flags: { server: { host: '127.0.0.2' } } });
    expect(c.server.port).toBe(9100);
    expect(c.server.host).toBe('127.0.0.2');
    expect(c.identity.issuer).toEqual(['https://idp.example']);
    expect(c.identity.algorithms).toEqual(['EdDSA', 'ES256', 'RS256', 'PS256']);
    expect(c.identity.sessionClaim).toBe('sid');
    expect(c.limits.readsOnStoreUnavailable).toBe('deny');
  });

  it('names the bad field and the source of the bad value', () => {
    const p = problems(() => loadConfig({ env: { LEASH_PORT: 'eighty' }, flags: required }));
    expect(p).toEqual(['server.port: must be an integer in plain decimal digits (no spaces, sign other than "-", leading zeros or exponent) (got "eighty" from environment variable LEASH_PORT)']);
    expect(problems(() => loadConfig({ flags: { ...required, server: { port: 70000 } } }))[0]).toMatch(/^server\.port: must be between 0 and 65535/);
    expect(problems(() => loadConfig({ flags: { ...required, identity: { ...required.identity, algorithms: ['EdDSA', 'none'] } } }))[0]).toMatch(/^identity\.algorithms: has unsupported none/);
  });

  it('takes an integer in one spelling only: a padded, signed, zero-led, exponent or hex value is refused, not read as a number', () => {
    for (const spelling of [' 5000', '5000 ', '+5000', '05000', '00010000', '5e3', '0x1388', '5_000', '5000.0', '-0']) {
      expect(problems(() => loadConfig({ env: { LEASH_PORT: spelling }, flags: required })), JSON.stringify(spelling)).toEqual([
        `server.port: must be an integer in plain decimal digits (no spaces, sign other than "-", leading zeros or exponent) (got ${JSON.stringify(spelling)} from environment variable LEASH_PORT)`,
      ]);
    }
    expect(loadConfig({ env: { LEASH_PORT: '0' }, flags: required }).server.port).toBe(0);
    expect(loadConfig({ env: { LEASH_PORT: '5000' }, flags: required }).server.port).toBe(5000);
    // a number from a config file or a flag object is already a number: only its value is checked
    expect(loadConfig({ flags: { ...required, server: { port: 5000 } } }).server.port).toBe(5000);
    expect(problems(() => loadConfig({ flags: { ...required, server: { port: 5000.5 } } }))[0]).toMatch(/^server\.port: must be an integer \(got 5000\.5 from flag/);
  });

  it('bounds how long a request may take to arrive, the headers within the whole request', () => {
    const c = loadConfig({ flags: required });
    expect([c.server.headersTimeoutMs, c.server.requestTimeoutMs]).toEqual([10_000, 300_000]);
    expect(loadConfig({ env: { LEASH_REQUEST_TIMEOUT_MS: '5000', LEASH_HEADERS_TIMEOUT_MS: '2000' }, flags: required }).server).toMatchObject({ headersTimeoutMs: 2_000, requestTimeoutMs: 5_000 });
    expect(problems(() => loadConfig({ env: { LEASH_REQUEST_TIMEOUT_MS: '5000' }, flags: required }))).toEqual([
      'server.headersTimeoutMs: 10000 is over server.requestTimeoutMs (5000); the headers are part of the request',
    ]);
    expect(problems(() => loadConfig({ env: { LEASH_REQUEST_TIMEOUT_MS: '0' }, flags: required }))[0]).toMatch(/^server\.requestTimeoutMs: must be between 1000 and 3600000/);
  });

  it('needs an MCP session secret of 32 characters or more, and never prints it', () => {
    const short = problems(() => loadConfig({ env: { LEASH_MCP_SESSION_SECRET: 'too-short-mcp-secret' }, flags: required }));
    expect(short).toEqual(['mcp.sessionSecret: must be at least 32 characters (LEASH_MCP_SESSION_SECRET)']);
    expect(loadConfig({ env: { LEASH_MCP_SESSION_SECRET: 'x'.repeat(32) }, flags: required }).mcp.sessionSecret).toBe('x'.repeat(32));
  });

  it('warns of a secret variable set to the empty string and of an MCP gateway without a shared session secret', () => {
    const mcp = { ...required, mcp: { resourceBase: 'https://leash.example/mcp' } };
    const env = { LEASH_MCP_SESSION_SECRET: '', LEASH_ADMIN_TOKEN: '' };
    const notices = configNotices(loadConfig({ env, flags: mcp }), env);
    expect(notices).toEqual([
      'LEASH_ADMIN_TOKEN is set but empty, so admin.token is unset',
      'LEASH_MCP_SESSION_SECRET is set but empty, so mcp.sessionSecret is unset',
      expect.stringMatching(/^mcp\.sessionSecret is unset: MCP session ids are sealed with a secret made at start, .* same LEASH_MCP_SESSION_SECRET \(at least 32 characters\)$/),
    ]);
    const shared = { LEASH_MCP_SESSION_SECRET: 's'.repeat(40) };
    expect(configNotices(loadConfig({ env: shared, flags: mcp }), shared)).toEqual([]);
    // a secret given another way is not unset, whatever the variable says
    expect(configNotices(loadConfig({ env, flags: { ...mcp, admin: { token: 't'.repeat(40) }, mcp: { ...mcp.mcp, sessionSecret: 'u'.repeat(40) } } }), env)).toEqual([]);
    // no warning names a secret's value
    expect(configNotices(loadConfig({ env: shared, flags: required }), shared).join(' ')).not.toContain('s'.repeat(40));
  });

  it('needs an AuthZEN PEP token of 16 characters or more (PEPs are never locked out, so length is the defence), and never prints it', () => {
    const short = problems(() => loadConfig({ env: { LEASH_AUTHZEN_TOKEN: 'pep-secret' }, flags: required }));
    expect(short).toEqual(['authzen.token: must be at least 16 characters (LEASH_AUTHZEN_TOKEN)']);
    expect(loadConfig({ env: { LEASH_AUTHZEN_TOKEN: 'p'.repeat(16) }, flags: required }).authzen.token).toBe('p'.repeat(16));
  });

  it('rejects unknown settings in a file', () => {
    const file = join(dir, 'typo.json');
    writeFileSync(file, JSON.stringify({ ...required, server: { prot: 1 } }));
    expect(problems(() => loadConfig({ file }))).toContain(`server.prot: unknown setting (in config file ${file})`);
  });

  it('requires issuer, audience, keys and a bundle outside dev mode', () => {
    const p = problems(() => loadConfig({ env: {} }));
    expect(p.map((x) => x.split(':')[0])).toEqual(['identity.jwks', 'identity.issuer', 'identity.audience', 'bundle.path']);
    expect(problems(() => loadConfig({ flags: { server: { dev: true } } }))).toEqual([]);
  });

  it('allows HS algorithms only with their own secret, and never prints the secret', () => {
    const p = problems(() => loadConfig({ flags: { ...required, identity: { ...required.identity, algorithms: ['HS256'] } } }));
    expect(p[0]).toMatch(/^identity\.hsSecret: required because identity\.algorithms allows HS256/);
    const short = problems(() => loadConfig({ env: { LEASH_HS_SECRET: 'short-secret-value' }, flags: { ...required, identity: { ...required.identity, algorithms: ['HS256'] } } }));
    expect(short[0]).toMatch(/^identity\.hsSecret: must be at least 32 characters/);
    expect(short.join()).not.toContain('short-secret-value');
  });

  it('reports a config file that is not valid', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ "server": ');
    expect(problems(() => loadConfig({ file }))[0]).toBe(`config file ${file}: is not valid JSON`);
  });
});
