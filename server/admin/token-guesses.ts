// Wrong admin tokens per client address, wherever the token is presented: the admin API's
// bearer header, the console's bearer header and the console's sign-in form, in one count,
// so the token cannot be guessed through whichever door is not counted. Past `max` wrong
// tokens in a minute the address is refused (429) even with the right one. (Machine-to-machine
// tokens such as AuthZEN's are not limited this way: a PEP often shares its address, and a
// lockout would let anyone who reaches the endpoint fail every decision; their length is the
// defence, server/config.)
//
// Each process counts in a sliding minute of its own, and the count, the comparison and the
// record of a wrong token run in one synchronous step: parallel guesses at one process are
// each counted. With Redis the wrong tokens of every worker and server also add up in one
// counter per address and clock minute, so `--workers N` and a fleet do not multiply the
// guesses. Redis is asked only about an address already wrong at that server: the right
// token costs no round trip, and each server lets an address at most one guess a minute past
// the shared count. When Redis cannot be reached the process's own count still holds, so
// signing in stays possible in an outage, which is when an operator needs it.
import type { Cluster, Redis } from 'ioredis';

export type GuessOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'wrong_token' }
  | { readonly ok: false; readonly reason: 'rate_limited'; readonly retryAfterSeconds: number };

export interface TokenGuessLimiter {
  /** `matches()` decides; a false is counted against `address`; over the limit it is not asked */
  check(address: string, nowMs: number, matches: () => boolean): Promise<GuessOutcome>;
}

/** wrong tokens per address per minute before 429 */
export const MAX_TOKEN_GUESSES_PER_MINUTE = 5;
const WINDOW_MS = 60_000;
/** addresses tracked in memory at most; the least recently wrong go first */
const MAX_ADDRESSES = 10_000;

interface LocalCount {
  check(address: string, nowMs: number, matches: () => boolean): GuessOutcome;
  /** whether `address` was wrong here within the minute */
  seen(address: string, nowMs: number): boolean;
}

function localCount(max: number): LocalCount {
  const wrong = new Map<string, number[]>();
  const NONE: number[] = [];
  const check = (address: string, nowMs: number, matches: () => boolean): GuessOutcome => {
    const known = wrong.get(address);
    // an address never wrong here (nearly every request): one comparison, no copies
    const recent = known === undefined ? NONE : known.filter((t) => t > nowMs - WINDOW_MS);
    if (recent.length >= max) return { ok: false, reason: 'rate_limited', retryAfterSeconds: Math.max(1, Math.ceil((recent[0]! + WINDOW_MS - nowMs) / 1000)) };
    if (matches()) {
      if (known !== undefined && recent.length === 0) wrong.delete(address);
      return { ok: true };
    }
    wrong.delete(address); // re-inserted last: the least recently wrong go first
    wrong.set(address, [...recent, nowMs]);
    while (wrong.size > MAX_ADDRESSES) wrong.delete(wrong.keys().next().value!);
    return { ok: false, reason: 'wrong_token' };
  };
  return {
    check,
    seen: (address, nowMs) => (wrong.get(address) ?? NONE).some((t) => t > nowMs - WINDOW_MS),
  };
}

export function createMemoryGuessLimiter(max = MAX_TOKEN_GUESSES_PER_MINUTE): TokenGuessLimiter {
  const local = localCount(max);
  return { check: async (address, nowMs, matches) => local.check(address, nowMs, matches) };
}

export interface RedisGuessLimiterOptions {
  readonly client: Redis | Cluster;
  readonly prefix?: string;
  readonly max?: number;
  /** told when Redis could not be asked or told (rate-limited by the caller's logger) */
  readonly onError?: (err: Error) => void;
}

export function createRedisGuessLimiter(options: RedisGuessLimiterOptions): TokenGuessLimiter {
  const { client } = options;
  const max = options.max ?? MAX_TOKEN_GUESSES_PER_MINUTE;
  const local = localCount(max);
  // one counter per address and clock minute (the address URI-encoded: IPv6 colons and all)
  const key = (address: string, nowMs: number) => `${options.prefix ?? 'leash:'}admin:wrong-tokens:${Math.floor(nowMs / WINDOW_MS)}:${encodeURIComponent(address)}`;
  return {
    async check(address, nowMs, matches) {
      const k = key(address, nowMs);
      // Redis is asked only for an address already wrong here: the right token costs no round
      // trip, and each server lets an address at most one guess past the shared count a minute
      if (local.seen(address, nowMs)) {
        try {
          if (Number((await client.get(k)) ?? 0) >= max) return { ok: false, reason: 'rate_limited', retryAfterSeconds: Math.max(1, Math.ceil((WINDOW_MS - (nowMs % WINDOW_MS)) / 1000)) };
        } catch (err) {
          options.onError?.(err as Error);
        }
      }
      const outcome = local.check(address, nowMs, matches);
      if (!outcome.ok && outcome.reason === 'wrong_token') {
        try {
          // kept a little past its minute, then gone by itself
          await client.multi().incr(k).pexpire(k, 2 * WINDOW_MS).exec();
        } catch (err) {
          options.onError?.(err as Error);
        }
      }
      return outcome;
    },
  };
}

/** `limiter`, telling `note` of every wrong and every refused token (metrics) */
export function withGuessCounts(limiter: TokenGuessLimiter, note: (outcome: 'wrong' | 'refused') => void): TokenGuessLimiter {
  return {
    async check(address, nowMs, matches) {
      const outcome = await limiter.check(address, nowMs, matches);
      if (!outcome.ok) note(outcome.reason === 'rate_limited' ? 'refused' : 'wrong');
      return outcome;
    },
  };
}
