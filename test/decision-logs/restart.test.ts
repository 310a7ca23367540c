// Durability: decisions made while the collector is down wait in the disk spool. After a
// graceful stop, and after a hard kill (`leash serve` as a child process, SIGKILL), a new
// server on the same spool uploads what the collector had not acknowledged: every decision
// id arrives exactly once, the batch in flight at the stop is re-sent first with the same
// decision ids, and what was acknowledged is never sent again. A graceful stop with the
// collector up uploads what is buffered before it exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCE, ISSUER, buildBundleFile, makeKeys, supportClaims, type TestKeys } from '../server/helpers.ts';
import { makeDecisions, metricsText, startCollector, startLeash, storedIds, tempDir, until, type Collector } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/leash.mjs');
const SPAWN_MS = 150_000;

let keys: TestKeys;
let bundle: string;
const collectors: Collector[] = [];

beforeAll(async () => {
  [keys, { path: bundle }] = await Promise.all([makeKeys(), buildBundleFile(['policies'])]);
}, 180_000);
afterAll(async () => {
  await Promise.all(collectors.map((c) => c.close()));
});

const buffered = async (url: string) => Number(/^leash_decision_logs_buffered_events (\d+)/m.exec(await metricsText(url))?.[1] ?? NaN);

/** complete lines in the spool's segment files */
function spooledLines(spool: string): number {
  let n = 0;
  for (const f of readdirSync(spool)) if (f.startsWith('seg-')) n += readFileSync(join(spool, f), 'utf8').split('\n').length - 1;
  return n;
}

const idsOf = (events: readonly Record<string, any>[]) => events.map((e) => e['decision_id'] as string);

describe('restart durability', () => {
  it('after a graceful stop with the collector down, the next server uploads every decision exactly once', async () => {
    const collector = await startCollector('503');
    collectors.push(collector);
    const dir = tempDir('graceful');
    const first = await startLeash(keys, bundle, dir, { url: collector.url, uploadSizeLimitBytes: 4_096, flushOnCloseMs: 1_000 });
    let ids: string[];
    try {
      ids = await makeDecisions(first.url, await keys.sign(supportClaims()), 45);
      await until(() => collector.attempts.length >= 2, 'upload attempts');
    } finally {
      await first.close();
    }
    const lastFailed = collector.attempts[collector.attempts.length - 1]!;
    expect(lastFailed.status).toBe(503);
    expect(collector.stored).toEqual([]);

    await collector.setMode('up');
    const second = await startLeash(keys, bundle, dir, { url: collector.url, uploadSizeLimitBytes: 4_096 });
    try {
      await collector.waitForEvents(ids.length);
      await until(async () => (await buffered(second.url)) === 0, 'an empty buffer');
      expect(storedIds(collector)).toEqual([...ids].sort());
      // the batch in flight at the stop went first, with the same decision ids
      const firstAccepted = collector.attempts.find((a) => a.status === 200)!;
      expect(idsOf(firstAccepted.events)).toEqual(idsOf(lastFailed.events));
    } finally {
      await second.close();
    }

    // acknowledged events are gone from the spool: a third start has nothing to send
    const third = await startLeash(keys, bundle, dir, { url: collector.url });
    try {
      expect(await buffered(third.url)).toBe(0);
    } finally {
      await third.close();
    }
    expect(storedIds(collector)).toEqual([...ids].sort());
  });

  it('a graceful stop uploads what is buffered when the collector is up (flushOnCloseMs), leaving nothing in the spool', async () => {
    const collector = await startCollector('up');
    collectors.push(collector);
    const dir = tempDir('flush');
    // a batch delay far longer than the test: only the shutdown flush can send these
    const leash = await startLeash(keys, bundle, dir, { url: collector.url, minDelayMs: 600_000, maxDelayMs: 600_000 });
    let ids: string[];
    try {
      ids = await makeDecisions(leash.url, await keys.sign(supportClaims()), 7);
      await until(async () => (await buffered(leash.url)) === ids.length, 'all decisions buffered');
      expect(collector.attempts).toEqual([]);
    } finally {
      await leash.close();
    }
    expect(storedIds(collector)).toEqual([...ids].sort());
    const next = await startLeash(keys, bundle, dir, { url: collector.url });
    try {
      expect(await buffered(next.url)).toBe(0);
    } finally {
      await next.close();
    }
  });

  it('after SIGKILL of `leash serve` with the collector down, a restart uploads every spooled decision exactly once', async () => {
    const collector = await startCollector('503');
    collectors.push(collector);
    const dir = tempDir('kill');
    const spool = join(dir, 'spool');
    const child = spawn(process.execPath, [BIN, 'serve', '--bundle', bundle, '--jwks', keys.jwksPath, '--issuer', ISSUER, '--audience', AUDIENCE,
      '--port', '0', '--log-level', 'info', '--decision-logs-url', collector.url], {
      cwd: ROOT,
      env: {
        ...process.env,
        LEASH_AUDIT_FILE: join(dir, 'audit.jsonl'),
        LEASH_DECISION_LOGS_SPOOL_DIR: spool,
        LEASH_DECISION_LOGS_UPLOAD_BYTES: '4096',
        LEASH_DECISION_LOGS_MIN_DELAY_MS: '20',
        LEASH_DECISION_LOGS_MAX_DELAY_MS: '60',
        LEASH_DECISION_LOGS_RETRY_MAX_DELAY_MS: '200',
      },
    });
    let ids: string[];
    try {
      const url = await listeningUrl(child, SPAWN_MS);
      ids = await makeDecisions(url, await keys.sign(supportClaims()), 60);
      // every decision is in the spool (reached the OS), and a batch is in flight
      await until(() => spooledLines(spool) === ids.length && collector.attempts.length >= 2, 'all decisions spooled and a batch in flight');
      const exited = new Promise<string | null>((r) => child.on('exit', (_code, signal) => r(signal)));
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    const lastFailed = collector.attempts[collector.attempts.length - 1]!;
    expect(collector.stored).toEqual([]);

    await collector.setMode('up');
    const again = await startLeash(keys, bundle, dir, { url: collector.url, uploadSizeLimitBytes: 4_096 });
    try {
      await collector.waitForEvents(ids.length);
      await until(async () => (await buffered(again.url)) === 0, 'an empty buffer');
      expect(storedIds(collector)).toEqual([...ids].sort());
      const firstAccepted = collector.attempts.find((a) => a.status === 200)!;
      expect(idsOf(firstAccepted.events)).toEqual(idsOf(lastFailed.events));
    } finally {
      await again.close();
    }
  }, 3 * SPAWN_MS);
});

/** The URL from Fastify's "Server listening at ..." log line. */
function listeningUrl(child: ChildProcess, limitMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`not listening within ${limitMs} ms; stdout: ${out}; stderr: ${err}`)), limitMs);
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} early; stdout: ${out}; stderr: ${err}`)));
  });
}
