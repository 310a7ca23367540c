// Limits that hold across processes and outages: two separate Node processes sharing the
// real Redis admit exactly the configured number of concurrent writes; a Redis that dies
// mid-run makes writes fail closed with the store-unreachable reason, and the store
// recovers (reloading its script) when Redis is back.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createRedisLimitStore, limitVerdict } from '../../server/limits/index.ts';
import { at, bucket, T0 } from './helpers.ts';
import { deleteKeys, REDIS_URL, startRedisServer, uniquePrefix } from './redis-helpers.ts';

const WORKER = fileURLToPath(new URL('./fixtures/consume-worker.ts', import.meta.url));

function startWorker(prefix: string, count: number, max: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, REDIS_URL, prefix, String(count), String(max)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => String((await lines.next()).value);
  return { child, next };
}

describe('two processes sharing Redis', () => {
  const prefix = uniquePrefix('procs');
  const admin = new Redis(REDIS_URL);
  afterAll(async () => {
    await deleteKeys(admin, prefix);
    admin.disconnect();
  });

  it('admit exactly 5 of 200 concurrent writes against a limit of 5', async () => {
    const workers = [startWorker(prefix, 100, 5), startWorker(prefix, 100, 5)];
    expect(await Promise.all(workers.map((w) => w.next()))).toEqual(['ready', 'ready']);
    for (const w of workers) w.child.stdin!.write('go\n');
    const tallies = (await Promise.all(workers.map((w) => w.next()))).map((l) => JSON.parse(l) as Record<string, number>);
    const sum = (k: string) => tallies.reduce((s, t) => s + (t[k] ?? 0), 0);
    expect({ allowed: sum('allowed'), limited: sum('limited'), unavailable: sum('unavailable') }).toEqual({ allowed: 5, limited: 195, unavailable: 0 });
    expect(await admin.get((await admin.keys(`${prefix}*tickets.write*`))[0]!)).toMatch(/^5 /);
  });
});

describe('Redis stopped mid-run', () => {
  it('denies writes with the store-unreachable reason, and recovers when Redis returns', async () => {
    let redis = await startRedisServer();
    const states: string[] = [];
    const store = createRedisLimitStore({ url: redis.url, prefix: 'leash-outage:', onStateChange: (s) => states.push(s) });
    try {
      expect(await store.ready()).toBe(true);
      const write = [bucket({ id: 'tickets.write/session', max: 3 })];
      expect((await store.consume(at(T0, write))).kind).toBe('allowed');

      await redis.stop();
      const down = await store.consume(at(T0 + 1, write));
      expect(down.kind).toBe('unavailable');
      expect(down.kind === 'unavailable' && down.reason).toMatch(/^limit store unreachable \(redis 127\.0\.0\.1:\d+\)/);
      const verdict = limitVerdict(down, 'write', { readsOnStoreFailure: 'allow' });
      expect(verdict).toMatchObject({ kind: 'deny', code: 'store_unavailable', status: 503 });

      // same port, empty server: the script cache is gone too, so this also covers EVALSHA -> EVAL
      redis = await startRedisServer(redis.port);
      expect(await store.ready(5_000)).toBe(true);
      const back = await store.consume(at(T0 + 2, write));
      expect(back.kind === 'allowed' && back.buckets[0]!.remaining).toBe(2);
      expect(states).toEqual(['up', 'down', 'up']);
    } finally {
      await store.close();
      await redis.stop();
    }
  });
});
