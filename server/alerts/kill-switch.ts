// The fleet-wide kill switch: every request of an agent (by its id) or of an API key is
// refused before the policy runs, until an operator turns it off. Kill switches are few and
// checked on every decision, so each server keeps the whole list in memory and answers at
// once; with Redis the list lives in one hash that every server re-reads every
// `refreshMs` (default 500 ms), so a switch engaged on one server reaches the others within
// that time. An unreachable Redis keeps the last list it read (a switch is never dropped
// because a read failed).
import type { Redis, Cluster } from 'ioredis';
import { mirrorEvery } from '../redis/index.ts';

export type KillSwitchKind = 'agent' | 'key';

export interface KillSwitchEntry {
  readonly kind: KillSwitchKind;
  /** the agent id (token `sub`) or the API key (the key claim) */
  readonly id: string;
  readonly reason: string;
  readonly sinceMs: number;
  readonly by: 'admin';
}

export interface KillSwitchStore {
  /** the switch that stops this agent or key, if any (from the local copy: no I/O) */
  killed(agentId: string, key: string | null): KillSwitchEntry | undefined;
  engage(entry: KillSwitchEntry): Promise<void>;
  /** true when a switch was on */
  disengage(kind: KillSwitchKind, id: string): Promise<boolean>;
  list(): Promise<KillSwitchEntry[]>;
  /** resolves once the first read of the shared list finished (or failed) */
  ready(): Promise<void>;
  close(): Promise<void>;
}

const field = (kind: KillSwitchKind, id: string) => `${kind}:${id}`;

function localList() {
  const entries = new Map<string, KillSwitchEntry>();
  return {
    entries,
    killed(agentId: string, key: string | null): KillSwitchEntry | undefined {
      if (entries.size === 0) return undefined;
      return entries.get(field('agent', agentId)) ?? (key === null ? undefined : entries.get(field('key', key)));
    },
  };
}

export function createMemoryKillSwitch(): KillSwitchStore {
  const local = localList();
  return {
    killed: local.killed,
    async engage(entry) {
      local.entries.set(field(entry.kind, entry.id), entry);
    },
    async disengage(kind, id) {
      return local.entries.delete(field(kind, id));
    },
    async list() {
      return [...local.entries.values()];
    },
    ready: async () => undefined,
    async close() {},
  };
}

export interface RedisKillSwitchOptions {
  readonly client: Redis | Cluster;
  readonly prefix?: string;
  readonly refreshMs?: number;
  /** told when a refresh fails (rate-limited by the caller's logger) */
  readonly onError?: (err: Error) => void;
  /** close the client with the store */
  readonly owned?: boolean;
}

function parseEntry(raw: string): KillSwitchEntry | undefined {
  try {
    const e = JSON.parse(raw) as KillSwitchEntry;
    return (e.kind === 'agent' || e.kind === 'key') && typeof e.id === 'string' ? e : undefined;
  } catch {
    return undefined;
  }
}

export function createRedisKillSwitch(options: RedisKillSwitchOptions): KillSwitchStore {
  const client = options.client;
  // one key: a hash is one Cluster slot, and the list is small
  const hash = `${options.prefix ?? 'leash:'}killswitch`;
  const local = localList();
  let closed = false;

  async function refresh(): Promise<void> {
    try {
      const all = await client.hgetall(hash);
      const next = new Map<string, KillSwitchEntry>();
      for (const [k, v] of Object.entries(all)) {
        const e = parseEntry(v);
        if (e) next.set(k, e);
      }
      local.entries.clear();
      for (const [k, e] of next) local.entries.set(k, e);
    } catch (err) {
      options.onError?.(err as Error);
    }
  }
  const mirror = mirrorEvery(refresh, options.refreshMs ?? 500);

  return {
    killed: local.killed,
    async engage(entry) {
      await client.hset(hash, field(entry.kind, entry.id), JSON.stringify(entry));
      local.entries.set(field(entry.kind, entry.id), entry);
    },
    async disengage(kind, id) {
      const n = await client.hdel(hash, field(kind, id));
      const had = local.entries.delete(field(kind, id));
      return n > 0 || had;
    },
    async list() {
      await refresh();
      return [...local.entries.values()];
    },
    ready: () => mirror.first,
    async close() {
      if (closed) return;
      closed = true;
      mirror.stop();
      if (options.owned) client.disconnect();
    },
  };
}
