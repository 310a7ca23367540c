// A bounded, nearly least-recently-used cache of verified tokens. An entry expires with its
// token, so a cached verification never outlives the token's `exp`; the size bound keeps a
// flood of distinct tokens from growing memory.
//
// The Map's insertion order is the recency order and the oldest entry is evicted first. A
// hit moves its entry to the newest end only when it has fallen into the older half: moving
// it on every hit (a delete and a set, on every decision's path) cost more than the rest of
// the lookup, and an entry read within the last maxEntries/2 insertions is not near eviction.
// So an entry that is read survives at least maxEntries/2 further insertions after the read.

export interface CacheEntry<V> {
  readonly value: V;
  readonly expiresAtMs: number;
  /** the insertion count when the entry last went to the newest end */
  stamp: number;
}

export class ExpiringLru<V> {
  private readonly entries = new Map<string, CacheEntry<V>>();
  private inserted = 0;
  constructor(private readonly maxEntries: number) {}

  get(key: string, nowMs: number): V | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.expiresAtMs <= nowMs) {
      this.entries.delete(key);
      return undefined;
    }
    if (this.inserted - hit.stamp >= this.maxEntries / 2) {
      this.entries.delete(key);
      hit.stamp = ++this.inserted;
      this.entries.set(key, hit); // most recently used goes last
    }
    return hit.value;
  }

  set(key: string, value: V, expiresAtMs: number): void {
    if (this.maxEntries <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAtMs, stamp: ++this.inserted });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
