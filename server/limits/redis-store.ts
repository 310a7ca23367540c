// The Redis limit store: one EVALSHA of the consume script per decision (EVAL when Redis
// answers NOSCRIPT), keys hash-tagged by deployment (keys.ts) so it also runs on Cluster.
// Never throws and never waits on a dead Redis: no offline queue, a command timeout, and
// every failure becomes `unavailable` with a reason naming the unreachable store.
import { Redis, type Cluster } from 'ioredis';
import type { ConsumeOutcome, ConsumeRequest, LimitStore } from '../contracts.ts';
import { counterExpiry } from './evaluate.ts';
import { bucketKey, checkPrefix } from './keys.ts';
import { DEFAULT_MAX_SESSION_LIFE_MS } from './memory-store.ts';
import { CONSUME_SCRIPT, CONSUME_SCRIPT_SHA } from './redis-script.ts';
import { planBuckets } from './window.ts';

export interface RedisLimitStoreOptions {
  /** redis://[user:pass@]host:port[/db]; ignored when `client` is given */
  readonly url?: string;
  /** an existing client (e.g. a Cluster); the store will not close it */
  readonly client?: Redis | Cluster;
  /** key prefix (default 'leash:'); must not contain braces */
  readonly prefix?: string;
  readonly maxSessionLifeMs?: number;
  /** a consume that takes longer fails as unavailable (default 500 ms) */
  readonly commandTimeoutMs?: number;
  /** told once per change between reachable and unreachable */
  readonly onStateChange?: (state: 'up' | 'down', detail: string) => void;
}

export interface RedisLimitStore extends LimitStore {
  /** resolves true once connected, false if not within `timeoutMs` */
  ready(timeoutMs?: number): Promise<boolean>;
}

/** host:port only: a URL may carry a password, which must never reach a reason or log */
export function describeRedis(url: string): string {
  try {
    const u = new URL(url);
    return `redis ${u.hostname}:${u.port || '6379'}`;
  } catch {
    return 'redis (unparseable URL)';
  }
}

export function createRedisClient(url: string, commandTimeoutMs = 500): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 1_000,
    // keep trying in the background; requests meanwhile fail fast as unavailable
    retryStrategy: (times) => Math.min(50 * times, 1_000),
  });
}

export function createRedisLimitStore(options: RedisLimitStoreOptions): RedisLimitStore {
  const prefix = options.prefix ?? 'leash:';
  checkPrefix(prefix);
  const maxSessionLifeMs = options.maxSessionLifeMs ?? DEFAULT_MAX_SESSION_LIFE_MS;
  const owned = !options.client;
  if (!options.client && !options.url) throw new Error('createRedisLimitStore needs a url or a client');
  const client = options.client ?? createRedisClient(options.url!, options.commandTimeoutMs ?? 500);
  const where = options.url ? describeRedis(options.url) : 'redis';
  let state: 'up' | 'down' | 'unknown' = 'unknown';
  const note = (next: 'up' | 'down', detail: string) => {
    if (state !== next) options.onStateChange?.(next, detail);
    state = next;
  };
  client.on('error', (err: Error) => note('down', err.message));
  client.on('ready', () => note('up', where));

  async function run(keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(CONSUME_SCRIPT_SHA, keys.length, ...keys, ...args);
    } catch (err) {
      if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
      return await client.eval(CONSUME_SCRIPT, keys.length, ...keys, ...args);
    }
  }

  async function consume(request: ConsumeRequest): Promise<ConsumeOutcome> {
    const planned = planBuckets(request.buckets);
    if (!planned.ok) return { kind: 'unavailable', reason: planned.reason, cause: 'bucket' };
    const { plans } = planned;
    if (plans.length === 0) return { kind: 'allowed', buckets: [] };
    const keys = plans.map((p) => bucketKey(prefix, p.bucket));
    const args: (string | number)[] = [request.nowMs, counterExpiry(request.nowMs, request.sessionExpiresAtMs, maxSessionLifeMs)];
    for (const p of plans) {
      const w = p.window;
      args.push(w.kind === 'session' ? 's' : 'r', p.bucket.max, w.kind === 'session' ? 0 : w.windowMs, p.bucket.cost);
    }
    let reply: unknown;
    try {
      reply = await run(keys, args);
    } catch (err) {
      note('down', (err as Error).message);
      return { kind: 'unavailable', reason: `limit store unreachable (${where}): ${(err as Error).message}` };
    }
    if (!Array.isArray(reply) || reply.length !== 3 + 3 * plans.length) {
      return { kind: 'unavailable', reason: `limit store unavailable (${where}): unexpected script reply` };
    }
    const n = reply.map(Number);
    const buckets = plans.map((p, i) => ({ id: p.bucket.id, limit: p.bucket.max, remaining: n[3 + 3 * i]!, resetMs: n[4 + 3 * i]!, fullMs: n[5 + 3 * i]! }));
    if (n[0] === 1) return { kind: 'allowed', buckets };
    return { kind: 'limited', buckets, exceeded: plans[n[1]! - 1]!.bucket.id, retryAfterMs: n[2]! };
  }

  return {
    async consume(request) {
      try {
        return await consume(request);
      } catch (err) {
        return { kind: 'unavailable', reason: `limit store unreachable (${where}): ${(err as Error).message}` };
      }
    },
    async ready(timeoutMs = 2_000) {
      if ((client as Redis).status === 'ready') return true;
      return await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => done(false), timeoutMs);
        const onReady = () => done(true);
        function done(ok: boolean) {
          clearTimeout(t);
          client.off('ready', onReady);
          resolve(ok);
        }
        client.on('ready', onReady);
      });
    },
    async close() {
      if (owned) client.disconnect();
    },
  };
}
