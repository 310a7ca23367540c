// The smaller parts of the limits area: answer headers, read/write defaults, the store
// failure verdict, the memory store's bound on dead keys, and Redis key hash tags.
import { describe, expect, it } from 'vitest';
import {
  bucketKey,
  createMemoryLimitStore,
  DEFAULT_LIMITS,
  effectiveLimits,
  limitVerdict,
  rateLimitHeaders,
} from '../../server/limits/index.ts';
import { at, bucket, T0 } from './helpers.ts';

describe('rate-limit headers', () => {
  it('describe the most restrictive bucket and add Retry-After on 429', () => {
    const allowed = rateLimitHeaders({
      kind: 'allowed',
      buckets: [
        { id: 'a', limit: 100, remaining: 40, resetMs: 0, fullMs: 90_000 },
        { id: 'b', limit: 5, remaining: 2, resetMs: 0, fullMs: 1_500 },
      ],
    });
    expect(allowed).toEqual({ 'RateLimit-Limit': '5', 'RateLimit-Remaining': '2', 'RateLimit-Reset': '2' });
    const limited = rateLimitHeaders({
      kind: 'limited',
      exceeded: 'a',
      retryAfterMs: 250,
      buckets: [
        { id: 'a', limit: 100, remaining: 0, resetMs: 250, fullMs: 600_000 },
        { id: 'b', limit: 5, remaining: 0, resetMs: 9_000 },
      ],
    });
    expect(limited).toEqual({ 'RateLimit-Limit': '100', 'RateLimit-Remaining': '0', 'RateLimit-Reset': '1', 'Retry-After': '1' });
    expect(rateLimitHeaders({ kind: 'unavailable', reason: 'x' })).toEqual({});
  });
});

describe('read/write defaults', () => {
  it('apply per session only when the decision names no limit, writes much tighter than reads', () => {
    const read = effectiveLimits({ access: 'read', limits: [] }, 's-9');
    const write = effectiveLimits({ access: 'write', limits: [] }, 's-9');
    expect(read).toEqual([
      { id: 'leash.default.read/session', scope: 'session', key: 's-9', max: 1000, window: 'session', cost: 1 },
      { id: 'leash.default.read/session/60s', scope: 'session', key: 's-9', max: 120, window: '60s', cost: 1 },
    ]);
    expect(write).toEqual([
      { id: 'leash.default.write/session', scope: 'session', key: 's-9', max: 100, window: 'session', cost: 1 },
      { id: 'leash.default.write/session/60s', scope: 'session', key: 's-9', max: 20, window: '60s', cost: 1 },
    ]);
    for (let i = 0; i < 2; i++) expect(DEFAULT_LIMITS.write[i]!.max * 5).toBeLessThanOrEqual(DEFAULT_LIMITS.read[i]!.max);
    const own = [bucket({ id: 'x.read/session', max: 3 })];
    expect(effectiveLimits({ access: 'read', limits: own }, 's-9')).toBe(own);
  });
});

describe('store failure verdict', () => {
  const down = { kind: 'unavailable', reason: 'limit store unreachable (redis 127.0.0.1:1): connect ECONNREFUSED' } as const;
  it('denies writes whatever the configuration, and reads by default, saying the store was unreachable', () => {
    const w = limitVerdict(down, 'write', { readsOnStoreFailure: 'allow' });
    expect(w).toMatchObject({ kind: 'deny', status: 503, code: 'store_unavailable' });
    expect(w.kind === 'deny' && w.reason).toContain('limit store unreachable');
    expect(limitVerdict(down, 'read')).toMatchObject({ kind: 'deny', code: 'store_unavailable' });
    expect(limitVerdict(down, 'read', { readsOnStoreFailure: 'allow' })).toMatchObject({ kind: 'admit' });
  });
  it('denies a malformed bucket as a policy error, even for reads allowed on store failure', () => {
    const v = limitVerdict({ kind: 'unavailable', cause: 'bucket', reason: "limit 'x/session' is invalid: cost must be a finite number >= 0" }, 'read', { readsOnStoreFailure: 'allow' });
    expect(v).toMatchObject({ kind: 'deny', status: 403, code: 'policy_error' });
  });
  it('maps limited to 429 rate_limited with headers', () => {
    const v = limitVerdict({ kind: 'limited', exceeded: 'a', retryAfterMs: 3_200, buckets: [{ id: 'a', limit: 1, remaining: 0, resetMs: 3_200 }] }, 'read');
    expect(v).toMatchObject({ kind: 'deny', status: 429, code: 'rate_limited' });
    expect(v.headers['Retry-After']).toBe('4');
  });
});

describe('memory store bounds', () => {
  it('sweeps dead keys and fails closed, not open, when full of live ones', async () => {
    const store = createMemoryLimitStore({ maxKeys: 50, sweepEveryMs: 1_000 });
    for (let i = 0; i < 50; i++) await store.consume(at(T0, [bucket({ id: 'r/session/10s', key: `s-${i}`, window: '10s' })]));
    expect(store.size()).toBe(50);
    const full = await store.consume(at(T0 + 1, [bucket({ id: 'r/session/10s', key: 'late', window: '10s' })]));
    expect(full.kind === 'unavailable' && full.reason).toContain('full');
    // 2 s later every TAT (T0 + 2 s) has passed: the sweep frees them all
    const later = await store.consume(at(T0 + 3_000, [bucket({ id: 'r/session/10s', key: 'late', window: '10s' })]));
    expect(later.kind).toBe('allowed');
    expect(store.size()).toBe(1);
  });
});

describe('redis keys', () => {
  const tag = (k: string) => k.slice(k.indexOf('{') + 1, k.indexOf('}'));

  it('tags every bucket by its subject, so subjects spread over Cluster slots while one subject stays in one', () => {
    const keys = [
      bucketKey('leash:', bucket({ id: 'customerRecords.read/session' })),
      bucketKey('leash:', bucket({ id: 'support-agent.read/session/60s', window: '60s' })),
      bucketKey('leash:', bucket({ id: 'support-agent.read/agent/60s', scope: 'agent', key: 'bot', window: '60s' })),
      bucketKey('leash:', bucket({ id: 'stripe.write/upstream', scope: 'upstream', key: 'stripe' })),
      bucketKey('leash:', bucket({ id: 'x.read/key', scope: 'key', key: 'k{evil}' })),
    ];
    expect(keys.map(tag)).toEqual(['leash:session:s-1', 'leash:session:s-1', 'leash:agent:bot', 'leash:upstream:stripe', 'leash:key:k%7Bevil%7D']);
    expect(keys[0]).toBe('leash:{leash:session:s-1}:customerRecords.read%2Fsession:session');
    expect(keys[4]).not.toContain('{evil}');
    // a bucket's name depends on the bucket alone
    expect(bucketKey('leash:', bucket({ id: 'customerRecords.read/session' }))).toBe(keys[0]);
    // the same identity in two scopes is two subjects
    expect(tag(bucketKey('leash:', bucket({ id: 'a', scope: 'agent', key: 'x' })))).not.toBe(tag(bucketKey('leash:', bucket({ id: 'a', scope: 'key', key: 'x' }))));
  });
});
