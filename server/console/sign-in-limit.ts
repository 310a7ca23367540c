// Failed console sign-ins per client address: past `max` in a minute the address is refused
// (429) even with the right token. Each attempt is counted before the token is compared, so
// parallel guesses cannot all pass the check before any of them is counted; a sign-in that
// succeeds is taken back off. Each process counts in a sliding minute of its own; with Redis
// the attempts of every worker and server also add up in one counter per address and clock
// minute, so `--workers N` and a fleet do not multiply the guesses an address gets. When
// Redis cannot be reached the process's own count still holds: sign-in stays possible in an
// outage, which is when an operator needs the console.
import type { Cluster, Redis } from 'ioredis';

export interface SignInLimiter {
  /** counts one attempt of `address`; the seconds to wait when it is over the limit, else null */
  attempt(address: string, nowMs: number): Promise<number | null>;
  /** takes a counted attempt that signed in back off */
  succeeded(address: string, nowMs: number): Promise<void>;
}

const WINDOW_MS = 60_000;
/** addresses tracked in memory at most; the oldest go first */
const MAX_ADDRESSES = 10_000;

/** The in-process count: synchronous inside, so one process never lets parallel attempts by. */
function memoryCount(max: number): { attempt(address: string, nowMs: number): number | null; succeeded(address: string, nowMs: number): void } {
  const attempts = new Map<string, number[]>();
  const recent = (address: string, nowMs: number): number[] => (attempts.get(address) ?? []).filter((t) => t > nowMs - WINDOW_MS);
  return {
    attempt(address, nowMs) {
      const r = recent(address, nowMs);
      if (r.length >= max) {
        attempts.set(address, r);
        return Math.max(1, Math.ceil((r[0]! + WINDOW_MS - nowMs) / 1000));
      }
      attempts.delete(address); // re-inserted last: the oldest addresses go first
      attempts.set(address, [...r, nowMs]);
      while (attempts.size > MAX_ADDRESSES) attempts.delete(attempts.keys().next().value!);
      return null;
    },
    succeeded(address, nowMs) {
      const r = recent(address, nowMs);
      const at = r.lastIndexOf(nowMs);
      if (at >= 0) r.splice(at, 1);
      if (r.length === 0) attempts.delete(address);
      else attempts.set(address, r);
    },
  };
}

export function createMemorySignInLimiter(max: number): SignInLimiter {
  const count = memoryCount(max);
  return {
    attempt: async (address, nowMs) => count.attempt(address, nowMs),
    succeeded: async (address, nowMs) => count.succeeded(address, nowMs),
  };
}

export interface RedisSignInLimiterOptions {
  readonly client: Redis | Cluster;
  readonly prefix?: string;
  readonly max: number;
  /** told when Redis could not be asked or told (rate-limited by the caller's logger) */
  readonly onError?: (err: Error) => void;
}

export function createRedisSignInLimiter(options: RedisSignInLimiterOptions): SignInLimiter {
  const { client, max } = options;
  const local = memoryCount(max);
  // one counter per address and clock minute (the address URI-encoded: IPv6 colons and all)
  const key = (address: string, nowMs: number) => `${options.prefix ?? 'leash:'}console:sign-in-attempts:${Math.floor(nowMs / WINDOW_MS)}:${encodeURIComponent(address)}`;
  return {
    async attempt(address, nowMs) {
      const own = local.attempt(address, nowMs);
      if (own !== null) return own;
      try {
        const k = key(address, nowMs);
        // kept a little past its minute, then gone by itself
        const replies = await client.multi().incr(k).pexpire(k, 2 * WINDOW_MS).exec();
        const [err, count] = replies?.[0] ?? [new Error('the sign-in count transaction was aborted'), 0];
        if (err) throw err;
        if (Number(count) > max) return Math.max(1, Math.ceil((WINDOW_MS - (nowMs % WINDOW_MS)) / 1000));
      } catch (err) {
        options.onError?.(err as Error);
      }
      return null;
    },
    async succeeded(address, nowMs) {
      local.succeeded(address, nowMs);
      try {
        const k = key(address, nowMs);
        await client.multi().decr(k).pexpire(k, 2 * WINDOW_MS).exec();
      } catch (err) {
        options.onError?.(err as Error);
      }
    },
  };
}
