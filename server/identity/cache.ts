// A bounded least-recently-used cache of verified tokens. An entry expires with its token,
// so a cached verification never outlives the token's `exp`; the size bound keeps a flood
// of distinct tokens from growing memory.

export interface CacheEntry<V> {
  readonly value: V;
  readonly expiresAtMs: number;
}

export class ExpiringLru<V> {
  private readonly entries = new Map<string, CacheEntry<V>>();
  constructor(private readonly maxEntries: number) {}

  get(key: string, nowMs: number): V | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    this.entries.delete(key);
    if (hit.expiresAtMs <= nowMs) return undefined;
    this.entries.set(key, hit); // most recently used goes last
    return hit.value;
  }

  set(key: string, value: V, expiresAtMs: number): void {
    if (this.maxEntries <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAtMs });
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
