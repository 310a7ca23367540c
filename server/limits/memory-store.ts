// The in-process limit store (the default): one Map of bucket key -> stored number with an
// expiry. A consume runs synchronously, so it is atomic within the process. Memory stays
// bounded: dead keys expire lazily on read and in periodic sweeps, and a store that is full
// of live keys fails closed rather than forgetting a live counter.
import type { ConsumeOutcome, ConsumeRequest, LimitStore } from '../contracts.ts';
import { counterExpiry, evaluateBuckets } from './evaluate.ts';
import { bucketKey } from './keys.ts';
import { planBuckets } from './window.ts';

export interface MemoryLimitStoreOptions {
  /** live bucket keys kept at most (default 500,000: roughly 250 MB at ~500 bytes each) */
  readonly maxKeys?: number;
  /** lifetime counters are kept at most this long (default 7 days) */
  readonly maxSessionLifeMs?: number;
  /** how often to sweep expired keys, in the clock of the requests (default 60 s) */
  readonly sweepEveryMs?: number;
}

export interface MemoryLimitStore extends LimitStore {
  /** live + not-yet-swept keys, for tests and metrics */
  size(): number;
}

interface Entry {
  value: number;
  expiresAtMs: number;
}

export const DEFAULT_MAX_SESSION_LIFE_MS = 7 * 86_400_000;

export function createMemoryLimitStore(options: MemoryLimitStoreOptions = {}): MemoryLimitStore {
  const maxKeys = options.maxKeys ?? 500_000;
  const maxSessionLifeMs = options.maxSessionLifeMs ?? DEFAULT_MAX_SESSION_LIFE_MS;
  const sweepEveryMs = options.sweepEveryMs ?? 60_000;
  const entries = new Map<string, Entry>();
  let lastSweepMs = -Infinity;

  function sweep(nowMs: number): void {
    lastSweepMs = nowMs;
    for (const [k, e] of entries) if (e.expiresAtMs <= nowMs) entries.delete(k);
  }

  function read(nowMs: number) {
    return (key: string): number | undefined => {
      const e = entries.get(key);
      if (!e) return undefined;
      if (e.expiresAtMs <= nowMs) {
        entries.delete(key);
        return undefined;
      }
      return e.value;
    };
  }

  function consumeNow(request: ConsumeRequest): ConsumeOutcome {
    const { nowMs } = request;
    const planned = planBuckets(request.buckets);
    if (!planned.ok) return { kind: 'unavailable', reason: planned.reason, cause: 'bucket' };
    if (nowMs - lastSweepMs >= sweepEveryMs) sweep(nowMs);
    const keys = planned.plans.map((p) => bucketKey('', p.bucket));
    const expiry = counterExpiry(nowMs, request.sessionExpiresAtMs, maxSessionLifeMs);
    const { outcome, writes } = evaluateBuckets(planned.plans, keys, read(nowMs), nowMs, expiry);
    const newKeys = writes.filter((w) => !entries.has(w.key)).length;
    if (newKeys > 0 && entries.size + newKeys > maxKeys) {
      sweep(nowMs);
      if (entries.size + newKeys > maxKeys) {
        return { kind: 'unavailable', reason: `limit store unavailable: the in-memory store is full (${maxKeys} live buckets)` };
      }
    }
    for (const w of writes) {
      const e = entries.get(w.key);
      if (e) {
        e.value = w.value;
        e.expiresAtMs = Math.max(e.expiresAtMs, w.expiresAtMs);
      } else entries.set(w.key, { value: w.value, expiresAtMs: w.expiresAtMs });
    }
    return outcome;
  }

  return {
    async consume(request) {
      try {
        return consumeNow(request);
      } catch (err) {
        return { kind: 'unavailable', reason: `limit store unavailable: ${(err as Error).message}` };
      }
    },
    async close() {
      entries.clear();
    },
    size: () => entries.size,
  };
}
