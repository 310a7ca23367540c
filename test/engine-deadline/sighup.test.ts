// SIGHUP reload of a real `leash serve` process (bin/leash.mjs as a child, file watching
// off so only the signal can reload): the bundle file is replaced with a new revision and
// the process signalled while requests keep arriving; the new revision answers and no
// request fails. A broken bundle on SIGHUP is logged and the previous revision keeps serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AUDIENCE, ISSUER, compileRego, makeKeys, postJson, supportClaims, writeRegoBundle, type TestKeys } from '../server/helpers.ts';

// node + tsx from cold on a busy 2-core machine can take a while
const SPAWN_MS = 120_000;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/leash.mjs');

const REGO = `package leash

decision := {"allow": true, "access": "read", "rule": "r", "reasons": [data.rev], "limits": [], "priority": "normal"}
`;

let keys: TestKeys;
let bundlePath: string;
let wasm: Uint8Array;
let child: ChildProcess;
let url: string;
let stdout = '';

function waitForOutput(pattern: RegExp, limitMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const m = pattern.exec(stdout);
      if (m) resolve(m);
      return m !== null;
    };
    if (check()) return;
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${limitMs} ms; output: ${stdout}`)), limitMs);
    const onData = (): void => {
      if (check()) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
      }
    };
    child.stdout!.on('data', onData);
  });
}

async function readyRevision(): Promise<string> {
  const res = await fetch(`${url}/ready`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { revision: string }).revision;
}

beforeAll(async () => {
  keys = await makeKeys();
  bundlePath = join(keys.dir, 'bundle.tar.gz');
  wasm = await compileRego(REGO);
  await writeRegoBundle(bundlePath, REGO, wasm, { rev: 'one' });
  child = spawn(process.execPath, [BIN, 'serve', '--bundle', bundlePath, '--jwks', keys.jwksPath, '--issuer', ISSUER, '--audience', AUDIENCE, '--port', '0', '--host', '127.0.0.1', '--log-level', 'info'], {
    cwd: ROOT,
    env: { ...process.env, LEASH_BUNDLE_WATCH: 'false', LEASH_AUDIT_FILE: join(keys.dir, 'audit.jsonl') },
  });
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stdout += c.toString()));
  url = (await waitForOutput(/Server listening at (http:\/\/127\.0\.0\.1:\d+)/, SPAWN_MS))[1]!;
}, SPAWN_MS);

afterAll(async () => {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(child.pid!, 'SIGTERM');
  await exited;
});

describe('leash serve on SIGHUP', () => {
  it('serves the replaced bundle after the signal, without a failed request in between', async () => {
    const first = await readyRevision();
    const token = await keys.sign(supportClaims());
    // a steady stream of decisions while the bundle is swapped
    const answers: { status: number; label: unknown }[] = [];
    let streaming = true;
    const stream = (async () => {
      while (streaming) {
        const res = await postJson(`${url}/decide`, { method: 'GET', path: '/customers/C-771', token });
        answers.push({ status: res.status, label: res.body?.reasons?.[0] });
      }
    })();

    // the old revision answers first (on a loaded machine the first request can be slow)
    while (answers.length === 0) await new Promise((r) => setTimeout(r, 10));
    const second = await writeRegoBundle(bundlePath, REGO, wasm, { rev: 'two' });
    expect(second).not.toBe(first);
    // watching is off: the new file is not read until the signal
    expect(await readyRevision()).toBe(first);
    process.kill(child.pid!, 'SIGHUP');
    await waitForOutput(new RegExp(`"revision":"${second}","previous":"${first}".*"msg":"policy bundle loaded"`), 30_000);
    expect(await readyRevision()).toBe(second);
    // at least one decision after the swap
    const after = answers.length;
    while (answers.length <= after + 1) await new Promise((r) => setTimeout(r, 10));
    streaming = false;
    await stream;

    expect(answers.every((a) => a.status === 200)).toBe(true);
    const labels = answers.map((a) => a.label);
    expect(labels[0]).toBe('one');
    expect(labels[labels.length - 1]).toBe('two');
    // once the new revision answered, the old one never did again
    expect(labels.slice(labels.indexOf('two')).every((l) => l === 'two')).toBe(true);
  }, 60_000);

  it('keeps the previous revision serving when the bundle is broken, and logs why', async () => {
    const serving = await readyRevision();
    const tmp = `${bundlePath}.tmp`;
    writeFileSync(tmp, 'this is not a gzip bundle');
    renameSync(tmp, bundlePath);
    const logged = stdout.length;
    process.kill(child.pid!, 'SIGHUP');
    await waitForOutput(/"msg":"policy bundle rejected; the previous revision keeps serving"/, 30_000);
    const line = JSON.parse(stdout.slice(logged).split('\n').find((l) => l.includes('policy bundle rejected'))!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 50, bundle: bundlePath, serving });
    expect(typeof line['reason']).toBe('string');
    expect(await readyRevision()).toBe(serving);
    const token = await keys.sign(supportClaims());
    const res = await postJson(`${url}/decide`, { method: 'GET', path: '/customers/C-771', token });
    expect(res.body).toMatchObject({ allow: true, status: 200, reasons: ['two'] });
    expect(child.exitCode).toBe(null);
  }, 60_000);
});
