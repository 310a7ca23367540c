// Quarantine: after `threshold` scope violations within `windowMs`, a session is blocked
// until it ends. Two stores with one interface: in-process memory, and Redis (shared by
// every server; one Lua script counts a violation and blocks atomically, so exactly one
// server sees the block as new and sends the alert). Works on one Redis or a Redis Cluster:
// every command touches one key, or (the script, DEL) the two keys of one session, which
// share a hash tag; the index of quarantined sessions is one key of its own.
import { connectRedis, type RedisClient } from '../redis/index.ts';

export interface QuarantineEntry {
  readonly session: string;
  readonly reason: string;
  readonly sinceMs: number;
  readonly untilMs: number;
  readonly by: 'violations' | 'admin';
}

export interface ViolationOutcome {
  readonly quarantined: boolean;
  /** true only for the violation that crossed the threshold */
  readonly newly: boolean;
  readonly count: number;
}

export interface QuarantinePolicy {
  /** violations that quarantine a session (default 3) */
  readonly threshold: number;
  /** counted within this rolling span (default 10 min) */
  readonly windowMs: number;
}

export const DEFAULT_QUARANTINE_POLICY: QuarantinePolicy = { threshold: 3, windowMs: 600_000 };

export interface QuarantineStore {
  noteViolation(session: string, violationId: string, nowMs: number, untilMs: number, reason: string): Promise<ViolationOutcome>;
  /** a store that can answer at once (memory) does, so a decision need not wait a turn */
  isQuarantined(session: string, nowMs: number): boolean | Promise<boolean>;
  get(session: string, nowMs: number): Promise<QuarantineEntry | null>;
  block(entry: QuarantineEntry): Promise<void>;
  release(session: string): Promise<boolean>;
  list(nowMs: number): Promise<QuarantineEntry[]>;
  close(): Promise<void>;
}

export function createMemoryQuarantine(policy: QuarantinePolicy = DEFAULT_QUARANTINE_POLICY, maxTracked = 100_000): QuarantineStore {
  const blocked = new Map<string, QuarantineEntry>();
  const violations = new Map<string, number[]>();
  const live = (e: QuarantineEntry | undefined, now: number) => (e && e.untilMs > now ? e : undefined);
  return {
    async noteViolation(session, _id, nowMs, untilMs, reason) {
      if (live(blocked.get(session), nowMs)) return { quarantined: true, newly: false, count: 0 };
      const times = (violations.get(session) ?? []).filter((t) => t > nowMs - policy.windowMs);
      times.push(nowMs);
      violations.delete(session); // re-insert: Map order becomes least-recently-violated first
      if (times.length >= policy.threshold) {
        blocked.set(session, { session, reason, sinceMs: nowMs, untilMs, by: 'violations' });
        return { quarantined: true, newly: true, count: times.length };
      }
      violations.set(session, times);
      // bounded: forget the stalest counters first (they are the least likely to reach the threshold)
      while (violations.size > maxTracked) violations.delete(violations.keys().next().value!);
      return { quarantined: false, newly: false, count: times.length };
    },
    isQuarantined(session, nowMs) {
      const e = blocked.get(session);
      if (e && e.untilMs <= nowMs) blocked.delete(session);
      return live(e, nowMs) !== undefined;
    },
    async get(session, nowMs) {
      return live(blocked.get(session), nowMs) ?? null;
    },
    async block(entry) {
      blocked.set(entry.session, entry);
      violations.delete(entry.session);
    },
    async release(session) {
      violations.delete(session);
      return blocked.delete(session);
    },
    async list(nowMs) {
      for (const [s, e] of blocked) if (e.untilMs <= nowMs) blocked.delete(s);
      return [...blocked.values()];
    },
    async close() {},
  };
}

// KEYS[1] violations (zset), KEYS[2] the block. ARGV: now, window, threshold, ttl ms, entry JSON, violation id
const VIOLATION_SCRIPT = `
if redis.call('EXISTS', KEYS[2]) == 1 then return {1, 0, 0} end
local now = tonumber(ARGV[1])
redis.call('ZADD', KEYS[1], now, ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
local c = redis.call('ZCARD', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if c >= tonumber(ARGV[3]) then
  redis.call('SET', KEYS[2], ARGV[5], 'PX', ARGV[4])
  redis.call('DEL', KEYS[1])
  return {1, 1, c}
end
return {0, 0, c}
`;

export interface RedisQuarantineOptions {
  readonly url?: string;
  readonly client?: RedisClient;
  readonly prefix?: string;
  readonly policy?: QuarantinePolicy;
}

export function createRedisQuarantine(options: RedisQuarantineOptions): QuarantineStore {
  const policy = options.policy ?? DEFAULT_QUARANTINE_POLICY;
  const prefix = options.prefix ?? 'leash:';
  const owned = !options.client;
  if (!options.client && !options.url) throw new Error('createRedisQuarantine needs a url or a client');
  const client = options.client ?? connectRedis(options.url!, { commandTimeoutMs: 500 });
  client.on('error', () => undefined); // callers see failures as rejected calls
  // both keys of a session share the hash tag {q:<session>}, so the script is single-slot
  const tag = (s: string) => `${prefix}{q:${encodeURIComponent(s)}}`;
  const blockKey = (s: string) => `${tag(s)}:blocked`;
  // one key (its slot is that of its whole name), never in a multi-key command
  const index = `${prefix}quarantine:index`;
  const ttl = (untilMs: number, nowMs: number) => Math.max(1, Math.ceil(untilMs - nowMs));

  const parse = (raw: string | null): QuarantineEntry | null => {
    if (!raw) return null;
    try {
      return JSON.parse(raw) as QuarantineEntry;
    } catch {
      return null;
    }
  };

  return {
    async noteViolation(session, id, nowMs, untilMs, reason) {
      const entry: QuarantineEntry = { session, reason, sinceMs: nowMs, untilMs, by: 'violations' };
      const r = (await client.eval(VIOLATION_SCRIPT, 2, `${tag(session)}:violations`, blockKey(session), nowMs, policy.windowMs, policy.threshold, ttl(untilMs, nowMs), JSON.stringify(entry), id)) as number[];
      if (r[1] === 1) await client.zadd(index, untilMs, session);
      return { quarantined: r[0] === 1, newly: r[1] === 1, count: Number(r[2]) };
    },
    async isQuarantined(session) {
      return (await client.exists(blockKey(session))) === 1;
    },
    async get(session) {
      return parse(await client.get(blockKey(session)));
    },
    async block(entry) {
      await client.set(blockKey(entry.session), JSON.stringify(entry), 'PX', ttl(entry.untilMs, entry.sinceMs));
      await client.zadd(index, entry.untilMs, entry.session);
    },
    async release(session) {
      const n = await client.del(blockKey(session), `${tag(session)}:violations`);
      await client.zrem(index, session);
      return n > 0;
    },
    async list(nowMs) {
      await client.zremrangebyscore(index, '-inf', nowMs);
      const sessions = await client.zrange(index, 0, -1);
      const out: QuarantineEntry[] = [];
      for (const s of sessions) {
        const e = parse(await client.get(blockKey(s)));
        if (e) out.push(e);
        else await client.zrem(index, s);
      }
      return out;
    },
    async close() {
      if (owned) client.disconnect();
    },
  };
}
