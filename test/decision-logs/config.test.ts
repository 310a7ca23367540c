// The `decisionLogs` configuration: off by default, `--decision-logs-url` and LEASH_* env,
// and each bad value rejected with the field's name (secrets never shown).
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config/index.ts';
import { flagsFrom } from '../../cli/commands/serve.ts';

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

describe('decisionLogs configuration', () => {
  it('is off by default with OPA-like defaults, and takes the flag and the environment', () => {
    const off = loadConfig({ env: {}, flags: required });
    expect(off.decisionLogs).toEqual({
      resource: '/logs', mask: [], bufferSizeLimitEvents: 10_000, bufferSizeLimitBytes: 67_108_864, uploadSizeLimitBytes: 32_768,
      minDelayMs: 1_000, maxDelayMs: 5_000, retryMaxDelayMs: 30_000, timeoutMs: 10_000, spoolDir: '.leash/decision-logs', spoolSyncMs: 1_000, flushOnCloseMs: 5_000,
    });
    const flags = flagsFrom({ decisionLogsUrl: 'https://logs.example' });
    expect(flags.decisionLogs).toEqual({ url: 'https://logs.example' });
    const on = loadConfig({
      env: { LEASH_DECISION_LOGS_TOKEN: 'tok-123', LEASH_DECISION_LOGS_MASK: '/input/request/body/card, /result/reasons', LEASH_DECISION_LOGS_PARTITION: 'p1', LEASH_DECISION_LOGS_URL: 'https://ignored.example' },
      flags: { ...required, decisionLogs: flags.decisionLogs },
    });
    expect(on.decisionLogs).toMatchObject({ url: 'https://logs.example', token: 'tok-123', mask: ['/input/request/body/card', '/result/reasons'], partitionName: 'p1' });
  });

  it('names each bad setting, never showing the URL or the token', () => {
    const p = problems(() => loadConfig({
      env: { LEASH_DECISION_LOGS_TOKEN: 'super-secret-token', LEASH_DECISION_LOGS_TOKEN_FILE: '/run/t', LEASH_DECISION_LOGS_MIN_DELAY_MS: '500', LEASH_DECISION_LOGS_MAX_DELAY_MS: '100' },
      flags: { ...required, decisionLogs: { url: 'https://user:pw-secret@logs.example', mask: ['/data/x'], uploadSizeLimitBytes: 10 } },
    }));
    expect(p).toEqual(['decisionLogs.uploadSizeLimitBytes: must be between 512 and 67108864 (got 10 from flag --upload-size-limit-bytes)']);
    const q = problems(() => loadConfig({
      env: { LEASH_DECISION_LOGS_TOKEN: 'super-secret-token', LEASH_DECISION_LOGS_TOKEN_FILE: '/run/t', LEASH_DECISION_LOGS_MIN_DELAY_MS: '500', LEASH_DECISION_LOGS_MAX_DELAY_MS: '100' },
      flags: { ...required, decisionLogs: { url: 'https://user:pw-secret@logs.example', mask: ['/data/x'] } },
    }));
    expect(q).toEqual([
      'decisionLogs.url: must not carry credentials (use decisionLogs.token or decisionLogs.tokenFile)',
      'decisionLogs.tokenFile: set either decisionLogs.token or decisionLogs.tokenFile, not both',
      'decisionLogs.maxDelayMs: must be at least decisionLogs.minDelayMs (500)',
      'decisionLogs.mask: "/data/x" must be a JSON pointer under /input or /result',
    ]);
    expect(problems(() => loadConfig({ env: {}, flags: { ...required, decisionLogs: { url: 'ftp://x' } } }))).toEqual(['decisionLogs.url: must be an http(s) URL (--decision-logs-url or LEASH_DECISION_LOGS_URL)']);
    expect(problems(() => loadConfig({ env: { LEASH_DECISION_LOGS_URL: 42 as unknown as string }, flags: required }))[0]).toBe('decisionLogs.url: must be a string (got (secret) from environment variable LEASH_DECISION_LOGS_URL)');
    expect([...p, ...q].join('\n')).not.toMatch(/super-secret-token|pw-secret/);
  });
});
