// Console sign-outs: the ids of session cookies signed out before they expire. A cookie is
// stateless (auth.ts) and valid on every server that shares the admin token, so a sign-out
// only holds where its id is known. With Redis (which every `--workers N` deployment and
// every fleet has) the ids live in one hash that each server re-reads every `refreshMs`
// (default 500 ms), as the kill switches do; an unreachable Redis keeps the ids last read.
// Without Redis they live in this process, which is then the only server.
import type { Cluster, Redis } from 'ioredis';
import { mirrorEvery } from '../redis/index.ts';

export interface SignOuts {
  /** signs `id` out until `expiresMs`; rejects when the sign-out could not be shared */
  add(id: string, expiresMs: number, nowMs: number): Promise<void>;
  has(id: string, nowMs: number): boolean;
  /** resolves once the ids signed out elsewhere have been read */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** at most this many live sign-outs are kept; past that the oldest go (their cookies expire anyway) */
const MAX_SIGN_OUTS = 10_000;

function localIds(): { readonly ids: Map<string, number>; note(id: string, expiresMs: number, nowMs: number): void; has(id: string, nowMs: number): boolean } {
  const ids = new Map<string, number>();
  return {
    ids,
    note(id, expiresMs, nowMs) {
      for (const [k, exp] of ids) if (exp <= nowMs) ids.delete(k);
      ids.set(id, expiresMs);
      while (ids.size > MAX_SIGN_OUTS) ids.delete(ids.keys().next().value!);
    },
    has: (id, nowMs) => (ids.get(id) ?? 0) > nowMs,
  };
}

export function createMemorySignOuts(): SignOuts {
  const local = localIds();
  return {
    add: async (id, expiresMs, nowMs) => local.note(id, expiresMs, nowMs),
    has: local.has,
    ready: async () => undefined,
    close: async () => undefined,
  };
}

export interface RedisSignOutsOptions {
  readonly client: Redis | Cluster;
  readonly prefix?: string;
  readonly refreshMs?: number;
  /** told when a refresh fails (rate-limited by the caller's logger) */
  readonly onError?: (err: Error) => void;
  readonly now?: () => number;
}

export function createRedisSignOuts(options: RedisSignOutsOptions): SignOuts {
  const { client } = options;
  const now = options.now ?? Date.now;
  // one key: a hash is one Cluster slot; field id, value the cookie's expiry in ms
  const hash = `${options.prefix ?? 'leash:'}console:signed-out`;
  const local = localIds();

  async function refresh(): Promise<void> {
    try {
      const all = await client.hgetall(hash);
      const t = now();
      const expired: string[] = [];
      const next = new Map<string, number>();
      for (const [id, value] of Object.entries(all)) {
        const exp = Number(value);
        if (Number.isFinite(exp) && exp > t) next.set(id, exp);
        else expired.push(id);
      }
      // ids this server signed out since the read began stay: a refresh never drops a sign-out
      for (const [id, exp] of local.ids) if (exp > t && !next.has(id)) next.set(id, exp);
      local.ids.clear();
      for (const [id, exp] of next) local.ids.set(id, exp);
      while (local.ids.size > MAX_SIGN_OUTS) local.ids.delete(local.ids.keys().next().value!);
      if (expired.length > 0) await client.hdel(hash, ...expired);
    } catch (err) {
      options.onError?.(err as Error);
    }
  }
  const mirror = mirrorEvery(refresh, options.refreshMs ?? 500);

  return {
    async add(id, expiresMs, nowMs) {
      // here at once, whatever Redis says; everywhere else once it is written
      local.note(id, expiresMs, nowMs);
      await client.hset(hash, id, String(expiresMs));
    },
    has: local.has,
    ready: () => mirror.first,
    close: async () => mirror.stop(),
  };
}
