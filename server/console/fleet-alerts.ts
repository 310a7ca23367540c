// The console's alerts, from every worker and server. Each process sends its own alerts
// (notifier.ts keeps their delivery state), so with `--workers N` or a fleet one process's
// journal is a fraction of them, and a console poll lands on any worker. With Redis, every
// server copies the entries of its journal that changed into one hash (field
// `<server>#<id>`, the entry as JSON) indexed by creation time in a sorted set, every
// `everyMs`; the console reads the newest `keep` of the fleet. Without Redis, or when it
// cannot be read, the console shows this server's journal and says so.
import type { Cluster, Redis } from 'ioredis';
import type { AlertDelivery } from '../alerts/index.ts';

/** an alert with the server (`host:pid`) that sent it */
export interface ServerAlert extends AlertDelivery {
  readonly server: string;
}

export interface AlertsView {
  readonly alerts: readonly ServerAlert[];
  /** 'fleet': every server sharing the Redis; 'server': the one that answered */
  readonly scope: 'fleet' | 'server';
  /** why a view that should be the fleet's is this server's only */
  readonly notice?: string;
}

export interface AlertFeed {
  view(): Promise<AlertsView>;
  /** copies this server's changed entries to Redis now (the timer does this every `everyMs`) */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** as many as one notifier keeps (notifier.ts) */
const KEEP = 200;

const withServer = (server: string) => (d: AlertDelivery): ServerAlert => ({ ...d, server });

const newestFirst = (a: ServerAlert, b: ServerAlert) => b.createdMs - a.createdMs || (a.server === b.server ? b.id - a.id : a.server < b.server ? -1 : 1);

export function createLocalAlertFeed(local: () => readonly AlertDelivery[], server: string): AlertFeed {
  return {
    view: async () => ({ alerts: local().map(withServer(server)), scope: 'server' }),
    flush: async () => undefined,
    close: async () => undefined,
  };
}

export interface RedisAlertFeedOptions {
  readonly client: Redis | Cluster;
  readonly prefix?: string;
  /** `host:pid` of this process */
  readonly server: string;
  /** this server's journal, newest first (the notifier's `deliveries`) */
  readonly local: () => readonly AlertDelivery[];
  /** default 500 ms */
  readonly everyMs?: number;
  /** how many of the fleet's newest alerts are kept (default 200) */
  readonly keep?: number;
  readonly onError?: (err: Error) => void;
}

// Writes the changed entries and drops the oldest past the bound in one step, so two servers
// trimming at once cannot leave a hash field without its index entry or the other way round.
// KEYS: hash, index; ARGV: keep, ttl ms, then (field, json, createdMs) per entry.
const WRITE = `
for i = 3, #ARGV, 3 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  redis.call('ZADD', KEYS[2], ARGV[i + 2], ARGV[i])
end
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[1])
if over > 0 then
  local old = redis.call('ZRANGE', KEYS[2], 0, over - 1)
  for _, field in ipairs(old) do redis.call('HDEL', KEYS[1], field) end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, over - 1)
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return over`;

/** an idle fleet's alerts go after a week without a new one */
const TTL_MS = 7 * 24 * 3_600_000;

export function createRedisAlertFeed(options: RedisAlertFeedOptions): AlertFeed {
  const { client, server, local } = options;
  const keep = options.keep ?? KEEP;
  // one hash tag: both keys sit in one Cluster slot, as the script needs
  const hash = `${options.prefix ?? 'leash:'}{console-alerts}`;
  const index = `${hash}:by-time`;
  const field = (id: number) => `${server}#${id}`;
  const tag = withServer(server);
  // the entry object last written per id: the notifier replaces an entry when it changes
  const written = new Map<number, AlertDelivery>();
  let running: Promise<void> | undefined;

  async function write(): Promise<void> {
    const journal = local();
    const changed = journal.filter((d) => written.get(d.id) !== d);
    if (changed.length === 0) return;
    const args: (string | number)[] = [keep, TTL_MS];
    for (const d of changed) args.push(field(d.id), JSON.stringify(tag(d)), d.createdMs);
    await client.eval(WRITE, 2, hash, index, ...args);
    for (const d of changed) written.set(d.id, d);
    // ids the journal no longer holds will not change again
    if (written.size > journal.length) {
      const held = new Set(journal.map((d) => d.id));
      for (const id of written.keys()) if (!held.has(id)) written.delete(id);
    }
  }

  function flush(): Promise<void> {
    // one write at a time; a failed one leaves its entries changed, for the next
    running ??= write().catch((err: Error) => options.onError?.(err)).finally(() => (running = undefined));
    return running;
  }

  const timer = setInterval(() => void flush(), options.everyMs ?? 500);
  timer.unref();

  return {
    async view() {
      const mine = local().map(tag);
      let shared: ServerAlert[];
      try {
        const fields = await client.zrevrange(index, 0, keep - 1);
        const values = fields.length > 0 ? await client.hmget(hash, ...fields) : [];
        shared = values.flatMap((v) => {
          const alert = parseAlert(v);
          return alert ? [alert] : [];
        });
      } catch (err) {
        options.onError?.(err as Error);
        return { alerts: mine, scope: 'server', notice: 'Redis could not be read: these are the alerts of the server that answered only' };
      }
      // this server's own entries are always at least as fresh as their copies
      const byField = new Map(shared.map((a) => [`${a.server}#${a.id}`, a]));
      for (const a of mine) byField.set(field(a.id), a);
      return { alerts: [...byField.values()].sort(newestFirst).slice(0, keep), scope: 'fleet' };
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}

const STATES = new Set(['sending', 'retrying', 'delivered', 'failed', 'logged']);

/** a stored entry, or undefined when it is gone or not one (the hash is shared) */
function parseAlert(raw: string | null): ServerAlert | undefined {
  if (!raw) return undefined;
  let a: Partial<Record<keyof ServerAlert, unknown>>;
  try {
    a = JSON.parse(raw) as typeof a;
  } catch {
    return undefined;
  }
  const { id, server, what, text, createdMs, state, attempts, lastError, settledMs } = a;
  if (!Number.isSafeInteger(id) || !Number.isSafeInteger(attempts) || !Number.isFinite(createdMs)) return undefined;
  if (typeof server !== 'string' || typeof what !== 'string' || typeof text !== 'string' || !STATES.has(state as string)) return undefined;
  // only the alert's own fields, whatever else the stored JSON held
  return {
    id: id as number, server, what, text, createdMs: createdMs as number, state: state as AlertDelivery['state'], attempts: attempts as number,
    ...(typeof lastError === 'string' ? { lastError } : {}),
    ...(Number.isFinite(settledMs) ? { settledMs: settledMs as number } : {}),
  };
}
