// The verified-token cache (server/identity/cache.ts) against a model, on generated
// sequences of sets, hits and time: it never answers an expired or replaced entry, never
// holds more than its bound, and an entry that was just read survives the next
// maxEntries/2 - 1 insertions of other tokens (a hit refreshes it unless it is recent).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ExpiringLru } from '../../server/identity/cache.ts';

type Op = { readonly kind: 'set'; readonly key: number; readonly ttl: number } | { readonly kind: 'get'; readonly key: number } | { readonly kind: 'tick'; readonly ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key: fc.nat({ max: 20 }), ttl: fc.integer({ min: 1, max: 1000 }) }),
  fc.record({ kind: fc.constant('get' as const), key: fc.nat({ max: 20 }) }),
  fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 5 }) }),
);

describe('verified-token cache', () => {
  it('answers only live values last set, stays within its bound, and keeps what was just read', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 10 }), fc.array(op, { minLength: 100, maxLength: 400 }), (max, ops) => {
      const cache = new ExpiringLru<string>(max);
      const model = new Map<number, { value: string; expiresAtMs: number }>();
      // key → insertions of other keys since it was last read while live
      const sinceRead = new Map<number, number>();
      let now = 0;
      let version = 0;
      for (const o of ops) {
        if (o.kind === 'tick') now += o.ms;
        else if (o.kind === 'set') {
          const value = `v${version++}`;
          cache.set(String(o.key), value, now + o.ttl);
          model.set(o.key, { value, expiresAtMs: now + o.ttl });
          sinceRead.delete(o.key);
          for (const [k, n] of sinceRead) sinceRead.set(k, n + 1);
        } else {
          const got = cache.get(String(o.key), now);
          const expected = model.get(o.key);
          const live = expected !== undefined && expected.expiresAtMs > now;
          if (got !== undefined) expect(live && got === expected!.value).toBe(true);
          // read recently enough, still live: it must still be there
          const n = sinceRead.get(o.key);
          if (live && n !== undefined && n < Math.floor(max / 2)) expect(got).toBe(expected!.value);
          if (got !== undefined) sinceRead.set(o.key, 0);
          else sinceRead.delete(o.key);
        }
        expect(cache.size).toBeLessThanOrEqual(max);
      }
    }), { numRuns: 300 });
  });

  it('holds nothing with a bound of 0', () => {
    const cache = new ExpiringLru<string>(0);
    cache.set('a', 'x', 100);
    expect(cache.get('a', 0)).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
