// The Cluster refund (redis-script.ts REFUND) on a rolling (GCRA) bucket, against the real
// Redis on 127.0.0.1:6379: random interleavings of decisions that stay, decisions that are
// refunded later, refusals, clock steps and clock skew between servers. Whatever the order,
// every admitted decision that stays would also have been admitted had the refunded ones
// never happened (no over-admission), the stored schedule never falls below that
// refund-free one, and with the clock standing still the refunds are exact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { stepBucket } from '../../server/limits/algorithm.ts';
import { CONSUME_SCRIPT, REFUND_SCRIPT } from '../../server/limits/redis-script.ts';
import { parseWindow, type BucketPlan } from '../../server/limits/window.ts';
import { bucket, T0 } from './helpers.ts';
import { deleteKeys, REDIS_URL, uniquePrefix } from './redis-helpers.ts';

const prefix = uniquePrefix('refund');
let redis: Redis;
beforeAll(() => {
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  await deleteKeys(redis, prefix);
  redis.disconnect();
});

const MAX = 5;
const WINDOW = '10s';
const W = 10_000;

type Op = { kind: 'consume'; gap: number; skew: number; cost: number; refund: boolean } | { kind: 'refund'; which: number; gap: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('consume' as const), gap: fc.integer({ min: 0, max: 3_000 }), skew: fc.integer({ min: -300, max: 300 }), cost: fc.integer({ min: 1, max: 3 }), refund: fc.boolean() }),
  fc.record({ kind: fc.constant('refund' as const), which: fc.nat(), gap: fc.integer({ min: 0, max: 3_000 }) }),
);

describe('refunds on a rolling bucket', () => {
  it('never over-admit, whatever the interleaving, and are exact while the clock stands still', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), fc.boolean(), async (ops, still) => {
        const key = `${prefix}${run++}`;
        // the same run with refunds marked, executed for real; then replayed without the refunded decisions
        let t = T0;
        let seq = 0;
        const pending: { i: number; t: number; args: string[] }[] = [];
        const admitted: { i: number; t: number; cost: number }[] = [];
        const refunded = new Set<number>();
        for (let i = 0; i < ops.length; i++) {
          const o = ops[i]!;
          if (!still) t += o.gap;
          if (o.kind === 'consume') {
            const now = still ? t : t + o.skew;
            const r = (await redis.eval(CONSUME_SCRIPT, 1, key, now, now + 3_600_000, `g${seq++}`, '1', 'r', MAX, W, o.cost)) as string[];
            if (Number(r[0]) !== 1) continue;
            admitted.push({ i, t: now, cost: o.cost });
            if (o.refund) pending.push({ i, t: now, args: ['r', r[10]!, r[9]!, r[11]!, r[12]!, r[13]!] });
          } else if (pending.length > 0) {
            const [p] = pending.splice(o.which % pending.length, 1);
            refunded.add(p!.i);
            await redis.eval(REFUND_SCRIPT, 1, key, p!.t, ...p!.args);
          }
        }
        // replay only the decisions that stayed: each must fit there too
        let tat: number | undefined;
        for (const a of admitted.filter((x) => !refunded.has(x.i))) {
          const step = stepBucket({ bucket: bucket({ id: 'r', max: MAX, window: WINDOW, cost: a.cost }), window: { kind: 'rolling', windowMs: W } }, tat, a.t, a.t + 3_600_000);
          expect(step.fits).toBe(true);
          tat = step.next;
        }
        const raw = await redis.get(key);
        if (raw === null) return; // nothing admitted at all
        const stored = Number(raw.split(' ')[0]);
        const frontier = Math.max(...admitted.map((a) => a.t));
        const eff = (x: number | undefined) => Math.max(x ?? -Infinity, frontier);
        expect(eff(stored)).toBeGreaterThanOrEqual(eff(tat) - 1e-6);
        if (still) expect(eff(stored)).toBeCloseTo(eff(tat), 6);
      }),
      { numRuns: 60 },
    );
  });
});

