// The documented error bounds of the rolling-window algorithm (docs/limits.md), checked as
// properties over random traffic on the memory store, and the Redis Lua script checked
// against the memory store on random sequences (the two implement the same arithmetic).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import type { LimitRequest } from '../../compiler/index.ts';
import { createMemoryLimitStore, createRedisLimitStore } from '../../server/limits/index.ts';
import { at, bucket, T0 } from './helpers.ts';
import { deleteKeys, REDIS_URL, uniquePrefix } from './redis-helpers.ts';

const W = 60_000;

/** random traffic: (gap since the previous request in ms, cost) pairs */
const traffic = fc.array(fc.tuple(fc.integer({ min: 0, max: 15_000 }), fc.integer({ min: 1, max: 3 })), { minLength: 1, maxLength: 120 });

async function admitted(max: number, reqs: [number, number][]): Promise<{ t: number; cost: number }[]> {
  const store = createMemoryLimitStore();
  const out: { t: number; cost: number }[] = [];
  let t = T0;
  for (const [gap, cost] of reqs) {
    t += gap;
    const o = await store.consume(at(t, [bucket({ id: 'r/session/1m', max, window: '1m', cost })]));
    if (o.kind === 'allowed') out.push({ t, cost });
  }
  return out;
}

describe('GCRA error bounds', () => {
  it('never admits more than max + max·L/W units in any span of length L', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 20 }), traffic, async (max, reqs) => {
        const ok = await admitted(max, reqs);
        for (let i = 0; i < ok.length; i++) {
          let units = 0;
          for (let j = i; j < ok.length; j++) {
            units += ok[j]!.cost;
            const L = ok[j]!.t - ok[i]!.t;
            expect(units).toBeLessThanOrEqual(max + (max * L) / W + 1e-6);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('never denies traffic that stays within a burst of max and the rate max/W', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 80 }), async (max, gaps) => {
        // a conforming client: spends at most one unit per W/max on average, after an initial burst
        const store = createMemoryLimitStore();
        const T = W / max;
        let t = T0;
        let credit = max; // units it may spend now without exceeding the contract
        for (const gap of gaps) {
          credit = Math.min(max, credit + gap / T);
          t += gap;
          if (credit < 1) continue;
          const o = await store.consume(at(t, [bucket({ id: 'r/session/1m', max, window: '1m' })]));
          expect(o.kind).toBe('allowed');
          credit -= 1;
        }
      }),
      { numRuns: 150 },
    );
  });

  it('meets the bound exactly: a burst of max at once, then max more over one window', async () => {
    const reqs: [number, number][] = [...Array.from({ length: 20 }, () => [0, 1] as [number, number]), ...Array.from({ length: 60 }, () => [1_000, 1] as [number, number])];
    const ok = await admitted(10, reqs);
    expect(ok.filter((a) => a.t === T0).length).toBe(10);
    // one unit every W/max = 6 s: at 6, 12, ..., 60 s
    expect(ok.filter((a) => a.t > T0).map((a) => (a.t - T0) / 1000)).toEqual([6, 12, 18, 24, 30, 36, 42, 48, 54, 60]);
  });
});

describe('Redis script agrees with the memory store', () => {
  const prefix = uniquePrefix('parity');
  let admin: Redis;
  let run = 0;
  beforeAll(() => {
    admin = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await deleteKeys(admin, prefix);
    admin.disconnect();
  });

  const op = fc.record({
    gap: fc.integer({ min: 0, max: 20_000 }),
    which: fc.subarray([0, 1, 2], { minLength: 1 }),
    cost: fc.integer({ min: 0, max: 4 }),
  });

  it('gives the same outcome and bucket states for random multi-bucket sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const mem = createMemoryLimitStore();
        const red = createRedisLimitStore({ url: REDIS_URL, prefix: `${prefix}${run++}:` });
        expect(await red.ready()).toBe(true);
        const all: LimitRequest[] = [
          bucket({ id: 'p.write/session', max: 7 }),
          bucket({ id: 'p.write/agent/1m', scope: 'agent', key: 'bot', max: 5, window: '1m' }),
          bucket({ id: 'p.write/key/10s', scope: 'key', key: 'k', max: 3, window: '10s' }),
        ];
        let t = T0;
        try {
          for (const o of ops) {
            t += o.gap;
            const buckets = o.which.map((i) => ({ ...all[i]!, cost: o.cost }));
            expect(await red.consume(at(t, buckets))).toEqual(await mem.consume(at(t, buckets)));
          }
        } finally {
          await red.close();
        }
      }),
      { numRuns: 25 },
    );
  });
});
