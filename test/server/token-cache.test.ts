// The verified-token cache (server/identity/cache.ts) against a model of an exact LRU with
// expiry, on generated sequences of sets, reads and time: every read answers what the model
// answers (never an expired or replaced value), and the size never passes the bound.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ExpiringLru } from '../../server/identity/cache.ts';

type Op = { readonly kind: 'set'; readonly key: number; readonly ttl: number } | { readonly kind: 'get'; readonly key: number } | { readonly kind: 'tick'; readonly ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key: fc.nat({ max: 20 }), ttl: fc.integer({ min: 1, max: 1000 }) }),
  fc.record({ kind: fc.constant('get' as const), key: fc.nat({ max: 20 }) }),
  fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 5 }) }),
);

/** keys oldest first; a read or a set makes a key the newest, the oldest goes past the bound */
class Model {
  private readonly order: number[] = [];
  private readonly values = new Map<number, { value: string; expiresAtMs: number }>();
  constructor(private readonly max: number) {}
  set(key: number, value: string, expiresAtMs: number): void {
    if (this.max <= 0) return;
    this.touch(key);
    this.values.set(key, { value, expiresAtMs });
    while (this.order.length > this.max) this.values.delete(this.order.shift()!);
  }
  get(key: number, now: number): string | undefined {
    const hit = this.values.get(key);
    if (!hit) return undefined;
    if (hit.expiresAtMs <= now) {
      this.order.splice(this.order.indexOf(key), 1);
      this.values.delete(key);
      return undefined;
    }
    this.touch(key);
    return hit.value;
  }
  get size(): number {
    return this.order.length;
  }
  private touch(key: number): void {
    const at = this.order.indexOf(key);
    if (at >= 0) this.order.splice(at, 1);
    this.order.push(key);
  }
}

describe('verified-token cache', () => {
  it('answers every read as an exact LRU with expiry would, within its bound', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10 }), fc.array(op, { minLength: 100, maxLength: 400 }), (max, ops) => {
      const cache = new ExpiringLru<string>(max);
      const model = new Model(max);
      let now = 0;
      let version = 0;
      for (const o of ops) {
        if (o.kind === 'tick') now += o.ms;
        else if (o.kind === 'set') {
          const value = `v${version++}`;
          cache.set(String(o.key), value, now + o.ttl);
          model.set(o.key, value, now + o.ttl);
        } else expect(cache.get(String(o.key), now)).toBe(model.get(o.key, now));
        expect(cache.size).toBe(model.size);
        expect(cache.size).toBeLessThanOrEqual(max);
      }
    }), { numRuns: 300 });
  });
});
