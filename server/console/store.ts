// Where the console keeps what it shows: the recent decisions (newest first), the live feed,
// and the sessions seen recently with their identity, counts, latest limit state and recent
// calls. In memory for one server; in Redis when the limits are (every server writes its
// decisions there in batches, so one console sees the sessions and decisions of the fleet).
import type { Cluster, Redis } from 'ioredis';
import type { BucketState } from '../contracts.ts';
import type { DecisionSummary } from './summary.ts';

export interface RecentCall {
  readonly time: number;
  readonly method: string;
  readonly path: string;
  readonly allow: boolean;
  readonly status: number;
  readonly rule: string | null;
  readonly code: string | null;
}

export interface SessionLimit extends BucketState {
  /** when this state was read (ms since the epoch): `resetMs`/`fullMs` count from here */
  readonly at: number;
}

export interface SessionView {
  readonly session: string;
  readonly agent: string | null;
  readonly key: string | null;
  readonly task: unknown;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly calls: number;
  readonly denials: number;
  readonly limits: readonly SessionLimit[];
  readonly recent: readonly RecentCall[];
}

export interface ConsoleStore {
  /** this server's decisions, in the order they were made */
  publish(batch: readonly DecisionSummary[]): Promise<void>;
  /** newest first */
  recent(limit: number): Promise<DecisionSummary[]>;
  /** live decisions (of every server with Redis); returns the unsubscribe function */
  subscribe(listener: (batch: readonly DecisionSummary[]) => void): () => void;
  /** sessions seen within `activeMs`, most recent first */
  sessions(nowMs: number, activeMs: number, limit: number): Promise<SessionView[]>;
  session(id: string): Promise<SessionView | null>;
  close(): Promise<void>;
}

export const HISTORY_SIZE = 1_000;
const RECENT_CALLS = 20;
const MAX_SESSIONS = 10_000;

const callOf = (s: DecisionSummary): RecentCall => ({ time: s.time, method: s.method, path: s.path, allow: s.allow, status: s.status, rule: s.rule, code: s.code });

interface MutableSession {
  session: string; agent: string | null; key: string | null; task: unknown;
  firstSeen: number; lastSeen: number; calls: number; denials: number;
  limits: Map<string, SessionLimit>; recent: RecentCall[];
}

const viewOf = (m: MutableSession): SessionView => ({ ...m, limits: [...m.limits.values()], recent: m.recent.slice() });

export function createMemoryConsoleStore(): ConsoleStore {
  const history: DecisionSummary[] = [];
  const sessions = new Map<string, MutableSession>();
  const listeners = new Set<(batch: readonly DecisionSummary[]) => void>();
  return {
    async publish(batch) {
      for (const s of batch) {
        history.unshift(s);
        if (s.session === null) continue;
        let m = sessions.get(s.session);
        if (m) sessions.delete(s.session); // re-insert: Map order is least recently seen first
        else m = { session: s.session, agent: s.agent, key: s.key, task: s.task, firstSeen: s.time, lastSeen: s.time, calls: 0, denials: 0, limits: new Map(), recent: [] };
        m.lastSeen = Math.max(m.lastSeen, s.time);
        m.calls++;
        if (!s.allow) m.denials++;
        for (const b of s.limits) m.limits.set(b.id, { ...b, at: s.time });
        m.recent.unshift(callOf(s));
        if (m.recent.length > RECENT_CALLS) m.recent.length = RECENT_CALLS;
        sessions.set(s.session, m);
      }
      if (history.length > HISTORY_SIZE) history.length = HISTORY_SIZE;
      while (sessions.size > MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
      for (const l of listeners) l(batch);
    },
    async recent(limit) {
      return history.slice(0, limit);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async sessions(nowMs, activeMs, limit) {
      const out: SessionView[] = [];
      for (const m of [...sessions.values()].reverse()) {
        if (m.lastSeen < nowMs - activeMs || out.length >= limit) break;
        out.push(viewOf(m));
      }
      return out;
    },
    async session(id) {
      const m = sessions.get(id);
      return m ? viewOf(m) : null;
    },
    async close() {
      listeners.clear();
    },
  };
}

export interface RedisConsoleStoreOptions {
  readonly client: Redis | Cluster;
  readonly prefix?: string;
  /** how long a session's record lives after its last decision (default 1 h) */
  readonly sessionTtlMs?: number;
  readonly onError?: (err: Error) => void;
}

const enc = encodeURIComponent;

function parse<T>(raw: string | null | undefined): T | undefined {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}

export function createRedisConsoleStore(options: RedisConsoleStoreOptions): ConsoleStore {
  const client = options.client;
  const prefix = options.prefix ?? 'leash:';
  const ttl = options.sessionTtlMs ?? 3_600_000;
  const historyKey = `${prefix}console:decisions`;
  const indexKey = `${prefix}console:sessions`;
  const channel = `${prefix}console:live`;
  // a session's hash and its recent calls share one hash tag (one Cluster slot)
  const sessionKey = (id: string) => `${prefix}console:{s:${enc(id)}}`;
  const listeners = new Set<(batch: readonly DecisionSummary[]) => void>();
  let subscriber: Redis | Cluster | undefined;
  const deliver = (batch: readonly DecisionSummary[]) => {
    for (const l of listeners) l(batch);
  };

  function ensureSubscriber(): void {
    if (subscriber) return;
    const sub = client.duplicate();
    subscriber = sub;
    sub.on('error', (err: Error) => options.onError?.(err));
    sub.on('message', (_channel: string, message: string) => {
      const batch = parse<DecisionSummary[]>(message);
      if (Array.isArray(batch)) deliver(batch);
    });
    sub.subscribe(channel).catch((err: Error) => options.onError?.(err));
  }

  async function writeSessions(batch: readonly DecisionSummary[]): Promise<void> {
    const bySession = new Map<string, DecisionSummary[]>();
    for (const s of batch) if (s.session !== null) bySession.set(s.session, [...(bySession.get(s.session) ?? []), s]);
    const writes: Promise<unknown>[] = [];
    for (const [id, list] of bySession) {
      const key = sessionKey(id);
      const last = list[list.length - 1]!;
      const fields: Record<string, string> = { session: id, agent: JSON.stringify(last.agent), key: JSON.stringify(last.key), task: JSON.stringify(last.task ?? null), last: String(last.time) };
      for (const s of list) for (const b of s.limits) fields[`l:${b.id}`] = JSON.stringify({ ...b, at: s.time });
      writes.push(
        client.hsetnx(key, 'first', String(list[0]!.time)),
        client.hset(key, fields),
        client.hincrby(key, 'calls', list.length),
        client.hincrby(key, 'denials', list.filter((s) => !s.allow).length),
        client.lpush(`${key}:recent`, ...list.map((s) => JSON.stringify(callOf(s)))),
        client.ltrim(`${key}:recent`, 0, RECENT_CALLS - 1),
        client.pexpire(key, ttl),
        client.pexpire(`${key}:recent`, ttl),
        client.zadd(indexKey, last.time, id),
      );
    }
    if (bySession.size > 0) writes.push(client.zremrangebyscore(indexKey, '-inf', Date.now() - ttl));
    await Promise.all(writes);
  }

  async function read(id: string): Promise<SessionView | null> {
    const key = sessionKey(id);
    const [h, recent] = await Promise.all([client.hgetall(key), client.lrange(`${key}:recent`, 0, RECENT_CALLS - 1)]);
    if (!h['session']) return null;
    const limits: SessionLimit[] = [];
    for (const [k, v] of Object.entries(h)) if (k.startsWith('l:')) { const l = parse<SessionLimit>(v); if (l) limits.push(l); }
    return {
      session: id,
      agent: parse<string | null>(h['agent']) ?? null,
      key: parse<string | null>(h['key']) ?? null,
      task: parse<unknown>(h['task']) ?? null,
      firstSeen: Number(h['first'] ?? h['last'] ?? 0),
      lastSeen: Number(h['last'] ?? 0),
      calls: Number(h['calls'] ?? 0),
      denials: Number(h['denials'] ?? 0),
      limits: limits.sort((a, b) => (a.id < b.id ? -1 : 1)),
      recent: recent.map((r) => parse<RecentCall>(r)).filter((r): r is RecentCall => r !== undefined),
    };
  }

  return {
    async publish(batch) {
      if (batch.length === 0) return;
      const newestFirst = batch.map((s) => JSON.stringify(s)).reverse();
      try {
        await Promise.all([
          client.lpush(historyKey, ...newestFirst).then(() => client.ltrim(historyKey, 0, HISTORY_SIZE - 1)),
          client.publish(channel, JSON.stringify(batch)),
          writeSessions(batch),
        ]);
      } catch (err) {
        // the console still shows this server's own decisions live while Redis is away
        options.onError?.(err as Error);
        deliver(batch);
      }
    },
    async recent(limit) {
      const raw = await client.lrange(historyKey, 0, Math.min(limit, HISTORY_SIZE) - 1);
      return raw.map((r) => parse<DecisionSummary>(r)).filter((s): s is DecisionSummary => s !== undefined);
    },
    subscribe(listener) {
      ensureSubscriber();
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async sessions(nowMs, activeMs, limit) {
      const ids = await client.zrevrangebyscore(indexKey, '+inf', nowMs - activeMs, 'LIMIT', 0, limit);
      const views = await Promise.all(ids.map(read));
      return views.filter((v): v is SessionView => v !== null);
    },
    session: read,
    async close() {
      listeners.clear();
      subscriber?.disconnect();
    },
  };
}
