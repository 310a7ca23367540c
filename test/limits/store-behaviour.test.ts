// The LimitStore contract, run against both stores (in-process memory and the real Redis on
// 127.0.0.1:6379): lifetime counters, all-or-nothing, GCRA rolling windows over an injected
// clock, weighted costs, the exfiltration scenario, and bad buckets failing closed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { LimitStore } from '../../server/contracts.ts';
import { createMemoryLimitStore, createRedisLimitStore } from '../../server/limits/index.ts';
import { at, bucket, HOUR, T0 } from './helpers.ts';
import { deleteKeys, REDIS_URL, uniquePrefix } from './redis-helpers.ts';

const prefix = uniquePrefix('store');
let admin: Redis;
let n = 0;
const opened: LimitStore[] = [];

beforeAll(() => {
  admin = new Redis(REDIS_URL);
});
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
  await deleteKeys(admin, prefix);
  admin.disconnect();
});

const stores: [string, () => Promise<LimitStore>][] = [
  ['memory', async () => createMemoryLimitStore()],
  [
    'redis',
    async () => {
      const s = createRedisLimitStore({ url: REDIS_URL, prefix: `${prefix}${n++}:` });
      expect(await s.ready()).toBe(true);
      return s;
    },
  ],
];

describe.each(stores)('%s limit store', (_name, make) => {
  const fresh = async () => {
    const s = await make();
    opened.push(s);
    return s;
  };

  it('admits exactly max over a session lifetime and reports the remaining count', async () => {
    const store = await fresh();
    const b = bucket({ id: 'orders.read/session', max: 3 });
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push(await store.consume(at(T0 + i, [b])));
    expect(outcomes.map((o) => o.kind)).toEqual(['allowed', 'allowed', 'allowed', 'limited', 'limited']);
    expect(outcomes.slice(0, 3).map((o) => (o.kind === 'unavailable' ? -1 : o.buckets[0]!.remaining))).toEqual([2, 1, 0]);
    const last = outcomes[4]!;
    expect(last.kind === 'limited' && last.exceeded).toBe('orders.read/session');
    // a lifetime counter only frees up when the session ends
    expect(last.kind === 'limited' && last.retryAfterMs).toBe(HOUR - 4);
  });

  it('exfiltration: 600 reads in one session get exactly the per-session limit; a second session on the same key keeps its allowance', async () => {
    const store = await fresh();
    const limit = (session: string) => [bucket({ id: 'customerRecords.read/session', key: session, max: 50 }), bucket({ id: 'customerRecords.read/key', scope: 'key', key: 'key-17', max: 10_000 })];
    let allowed = 0;
    let limited = 0;
    for (let i = 0; i < 600; i++) {
      const o = await store.consume(at(T0 + i * 1000, limit('s-attacker')));
      if (o.kind === 'allowed') allowed++;
      else if (o.kind === 'limited') limited++;
    }
    expect({ allowed, limited }).toEqual({ allowed: 50, limited: 550 });
    let second = 0;
    for (let i = 0; i < 50; i++) if ((await store.consume(at(T0 + 700_000 + i, limit('s-other')))).kind === 'allowed') second++;
    expect(second).toBe(50);
    expect((await store.consume(at(T0 + 800_000, limit('s-other')))).kind).toBe('limited');
  });

  it('is all-or-nothing: a request denied by its second bucket leaves the first untouched', async () => {
    const store = await fresh();
    const first = bucket({ id: 'tickets.write/session', max: 10 });
    const second = bucket({ id: 'tickets.write/agent', scope: 'agent', key: 'support-bot', max: 1 });
    expect((await store.consume(at(T0, [second]))).kind).toBe('allowed');
    for (let i = 0; i < 3; i++) {
      const o = await store.consume(at(T0 + 1 + i, [first, second]));
      expect(o.kind === 'limited' && o.exceeded).toBe('tickets.write/agent');
    }
    const alone = await store.consume(at(T0 + 10, [first]));
    expect(alone.kind === 'allowed' && alone.buckets[0]!.remaining).toBe(9);
  });

  it('GCRA rolling window: a burst of max, then one unit per window/max, over an injected clock', async () => {
    const store = await fresh();
    const b = bucket({ id: 'search.read/session/1m', max: 6, window: '1m' }); // one unit per 10 s
    for (let i = 0; i < 6; i++) expect((await store.consume(at(T0, [b]))).kind).toBe('allowed');
    const full = await store.consume(at(T0, [b]));
    expect(full.kind).toBe('limited');
    expect(full.kind === 'limited' && full.retryAfterMs).toBe(10_000);
    expect((await store.consume(at(T0 + 9_999, [b]))).kind).toBe('limited');
    expect((await store.consume(at(T0 + 10_000, [b]))).kind).toBe('allowed');
    expect((await store.consume(at(T0 + 10_001, [b]))).kind).toBe('limited');
    // after a full quiet window the whole burst is back
    let burst = 0;
    for (let i = 0; i < 10; i++) if ((await store.consume(at(T0 + 10_000 + 60_000, [b]))).kind === 'allowed') burst++;
    expect(burst).toBe(6);
  });

  it('counts weighted costs (a budget in cents) and reports the retry time for the cost', async () => {
    const store = await fresh();
    const spend = (cost: number) => [bucket({ id: 'openai.call/agent/1h', scope: 'agent', key: 'bot', max: 1000, window: '1h', cost })];
    expect((await store.consume(at(T0, spend(600)))).kind).toBe('allowed');
    const over = await store.consume(at(T0, spend(500)));
    expect(over.kind).toBe('limited');
    // 100 cents are missing; the budget refills at 1000 per hour: 360 s
    expect(over.kind === 'limited' && over.retryAfterMs).toBe(360_000);
    const fits = await store.consume(at(T0, spend(400)));
    expect(fits.kind === 'allowed' && fits.buckets[0]!.remaining).toBe(0);
    const lifetime = [bucket({ id: 'llm.tokens/session', max: 10, cost: 4 })];
    const kinds = [];
    for (let i = 0; i < 3; i++) kinds.push((await store.consume(at(T0, lifetime))).kind);
    expect(kinds).toEqual(['allowed', 'allowed', 'limited']);
  });

  it('keeps buckets of different scopes, keys and rules apart', async () => {
    const store = await fresh();
    const a = bucket({ id: 'r.read/session', key: 's-a', max: 1 });
    expect((await store.consume(at(T0, [a]))).kind).toBe('allowed');
    expect((await store.consume(at(T0, [{ ...a, key: 's-b' }]))).kind).toBe('allowed');
    expect((await store.consume(at(T0, [{ ...a, id: 'q.read/session' }]))).kind).toBe('allowed');
    expect((await store.consume(at(T0, [{ ...a, scope: 'task' }]))).kind).toBe('allowed');
    expect((await store.consume(at(T0, [a]))).kind).toBe('limited');
  });

  it('forgets a lifetime counter when the session has expired', async () => {
    const store = await fresh();
    const b = [bucket({ id: 'x.read/session', max: 1 })];
    expect((await store.consume(at(T0, b, T0 + 5_000))).kind).toBe('allowed');
    expect((await store.consume(at(T0 + 4_000, b, T0 + 5_000))).kind).toBe('limited');
    // past its end the counter is gone (in Redis also before its TTL fires: the end is stored with it)
    expect((await store.consume(at(T0 + 6_000, b, T0 + 9_000))).kind).toBe('allowed');
  });

  it('fails closed on a malformed bucket, naming it', async () => {
    const store = await fresh();
    const o = await store.consume(at(T0, [bucket({ id: 'bad/session', window: '5 minutes' })]));
    expect(o.kind).toBe('unavailable');
    expect(o.kind === 'unavailable' && o.reason).toContain("limit 'bad/session' is invalid");
    expect(o.kind === 'unavailable' && o.cause).toBe('bucket');
    const neg = await store.consume(at(T0, [bucket({ id: 'neg/session', cost: -1 })]));
    expect(neg.kind).toBe('unavailable');
  });

  it('admits a request with no buckets', async () => {
    const o = await (await fresh()).consume(at(T0, []));
    expect(o).toEqual({ kind: 'allowed', buckets: [] });
  });
});
