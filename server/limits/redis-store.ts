// The Redis limit store, on one Redis or a Redis Cluster. Keys are hash-tagged by subject
// (keys.ts). On one Redis a decision is ONE EVALSHA of the consume script over all its
// buckets; on a Cluster the buckets are grouped by subject (one slot each), every group
// runs the consume script at the same time, and when a group refuses, the groups that
// consumed are refunded before the answer (never over-admitting). A split refusal is
// retried once group by group in one global order, so a burst cannot starve (docs/limits.md
// "Redis Cluster"). Never throws and never waits on a dead Redis: no offline queue, a command
// timeout, and every failure becomes `unavailable` with a reason naming the store.
import { randomBytes } from 'node:crypto';
import type { BucketState, ConsumeOutcome, ConsumeRequest, LimitStore } from '../contracts.ts';
import { connectRedis, describeRedis, isCluster, whenReady, type RedisClient } from '../redis/index.ts';
import { counterExpiry } from './evaluate.ts';
import { bucketKey, checkPrefix, hashTag } from './keys.ts';
import { DEFAULT_MAX_SESSION_LIFE_MS } from './memory-store.ts';
import { CONSUME_SCRIPT, CONSUME_SCRIPT_SHA, REFUND_SCRIPT, REFUND_SCRIPT_SHA } from './redis-script.ts';
import { createResetDetector } from './reset-detector.ts';
import { planBuckets, type BucketPlan } from './window.ts';

export { describeRedis };

export interface RedisLimitStoreOptions {
  /** redis://[user:pass@]host:port[/db] or redis+cluster://host:port,host:port,...; ignored when `client` is given */
  readonly url?: string;
  /** an existing client (from connectRedis); the store will not close it */
  readonly client?: RedisClient;
  /** key prefix (default 'leash:'); must not contain braces */
  readonly prefix?: string;
  readonly maxSessionLifeMs?: number;
  /** a consume that takes longer fails as unavailable (default 500 ms) */
  readonly commandTimeoutMs?: number;
  /** told once per change between reachable and unreachable */
  readonly onStateChange?: (state: 'up' | 'down', detail: string) => void;
  /** told when a Redis node lost its data, i.e. every counter on it restarted from zero */
  readonly onReset?: (node: string) => void;
  /** how often to look for such a reset, besides every reconnect (default 10 s; 0: only on reconnect) */
  readonly resetCheckMs?: number;
}

export interface RedisLimitStoreStats {
  /** resets noticed (a node's data lost), by node */
  readonly resets: Readonly<Record<string, number>>;
  /** bucket keys given back in full / in part / not at all because the refund call failed */
  readonly refunds: { readonly full: number; readonly partial: number; readonly failed: number };
  /** Cluster decisions refused by some groups and admitted by others, retried group by group in the global order */
  readonly orderedRetries: number;
}

export interface RedisLimitStore extends LimitStore {
  /** resolves true once connected, false if not within `timeoutMs` */
  ready(timeoutMs?: number): Promise<boolean>;
  stats(): RedisLimitStoreStats;
  /** looks for a reset now (it also runs on reconnects and periodically) */
  checkReset(): Promise<void>;
}

/** kept for callers of the old name: a client for `url` with the store's options */
export function createRedisClient(url: string, commandTimeoutMs = 500): RedisClient {
  return connectRedis(url, { commandTimeoutMs });
}

/** a success after a failure counts as recovery only this long after the last failure (no log flapping on a partial outage) */
const UP_AFTER_QUIET_MS = 5_000;

/** the global order of the ordered retry: the narrowest subjects first (a session refuses most often, so a retry usually stops at its first call), then by hash tag */
const SCOPE_RANK: Readonly<Record<string, number>> = { session: 0, task: 1, agent: 2, key: 3, upstream: 4 };

function compareGroups(a: BucketPlan, aTag: string, b: BucketPlan, bTag: string): number {
  const d = (SCOPE_RANK[a.bucket.scope] ?? 5) - (SCOPE_RANK[b.bucket.scope] ?? 5);
  return d !== 0 ? d : aTag < bTag ? -1 : aTag > bTag ? 1 : 0;
}

interface GroupReply {
  readonly allowed: boolean;
  readonly firstMiss: number;
  readonly retryMs: number;
  /** per bucket of the group: [remaining, resetMs, fullMs] as returned */
  readonly states: readonly (readonly [number, number, number])[];
  /** allowed groups only: per bucket, the states as if rejected, and its key's refund data */
  readonly refund?: readonly { readonly rejected: readonly [number, number, number]; readonly args: readonly string[] }[];
}

export function createRedisLimitStore(options: RedisLimitStoreOptions): RedisLimitStore {
  const prefix = options.prefix ?? 'leash:';
  checkPrefix(prefix);
  const maxSessionLifeMs = options.maxSessionLifeMs ?? DEFAULT_MAX_SESSION_LIFE_MS;
  const owned = !options.client;
  if (!options.client && !options.url) throw new Error('createRedisLimitStore needs a url or a client');
  const client = options.client ?? connectRedis(options.url!, { commandTimeoutMs: options.commandTimeoutMs ?? 500 });
  const cluster = isCluster(client);
  const where = options.url ? describeRedis(options.url) : cluster ? 'redis cluster' : 'redis';
  // names the life of the keys this process creates (redis-script.ts: gen)
  const genTag = randomBytes(4).toString('hex');
  let genSeq = 0;
  let state: 'up' | 'down' | 'unknown' = 'unknown';
  let lastFailureMs = -Infinity;
  const refunds = { full: 0, partial: 0, failed: 0 };
  let retries = 0;
  const note = (next: 'up' | 'down', detail: string) => {
    if (next === 'down') lastFailureMs = Date.now();
    if (state !== next) options.onStateChange?.(next, detail);
    state = next;
  };
  const noteSuccess = () => {
    if (state !== 'up' && Date.now() - lastFailureMs >= (cluster ? UP_AFTER_QUIET_MS : 0)) note('up', where);
  };
  client.on('error', (err: Error) => note('down', err.message));
  client.on('ready', () => note('up', where));
  const detector = createResetDetector(client, prefix, where, options.resetCheckMs ?? 10_000, (node) => options.onReset?.(node));

  async function script(sha: string, body: string, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(sha, keys.length, ...keys, ...args);
    } catch (err) {
      // a restarted Redis (or a Cluster node) has lost the script cache
      if (!String((err as Error).message).startsWith('NOSCRIPT')) throw err;
      return await client.eval(body, keys.length, ...keys, ...args);
    }
  }

  async function consumeGroup(plans: readonly BucketPlan[], request: ConsumeRequest, counterExp: number, wantRefund: boolean): Promise<GroupReply> {
    const keys = plans.map((p) => bucketKey(prefix, p.bucket));
    const args: (string | number)[] = [request.nowMs, counterExp, `${genTag}${(genSeq++).toString(36)}`, wantRefund ? '1' : '0'];
    for (const p of plans) {
      const w = p.window;
      args.push(w.kind === 'session' ? 's' : 'r', p.bucket.max, w.kind === 'session' ? 0 : w.windowMs, p.bucket.cost);
    }
    const reply = await script(CONSUME_SCRIPT_SHA, CONSUME_SCRIPT, keys, args);
    const m = plans.length;
    const withRefund = wantRefund && Array.isArray(reply) && Number(reply[0]) === 1;
    if (!Array.isArray(reply) || reply.length !== (withRefund ? 3 + 11 * m : 3 + 3 * m)) throw new Error('unexpected script reply');
    const n = reply.slice(0, 3 + 3 * m).map(Number);
    const states = plans.map((_, i) => [n[3 + 3 * i]!, n[4 + 3 * i]!, n[5 + 3 * i]!] as const);
    const allowed = n[0] === 1;
    if (!withRefund) return { allowed, firstMiss: n[1]!, retryMs: n[2]!, states };
    const refund = plans.map((p, i) => {
      const o = 3 + 3 * m + 8 * i;
      const r = reply.slice(o, o + 8).map(String);
      return {
        rejected: [Number(r[0]), Number(r[1]), Number(r[2])] as const,
        // key, then REFUND's six: kind, amount, value written, refunded before, tmax written, gen
        args: [keys[i]!, p.window.kind === 'session' ? 's' : 'r', r[4]!, r[3]!, r[5]!, r[6]!, r[7]!],
      };
    });
    return { allowed, firstMiss: 0, retryMs: 0, states, refund };
  }

  /** gives back what an admitted group consumed; counted in stats, never throws */
  async function refund(reply: GroupReply, nowMs: number): Promise<void> {
    const byKey = new Map<string, readonly string[]>();
    for (const r of reply.refund ?? []) byKey.set(r.args[0]!, r.args.slice(1));
    const keys = [...byKey.keys()];
    const args: string[] = [String(nowMs)];
    for (const k of keys) args.push(...byKey.get(k)!);
    try {
      const given = await script(REFUND_SCRIPT_SHA, REFUND_SCRIPT, keys, args);
      if (!Array.isArray(given) || given.length !== keys.length) throw new Error('unexpected refund reply');
      keys.forEach((k, i) => {
        const amount = Number(byKey.get(k)![1]);
        if (Number(given[i]) >= amount - 1e-9) refunds.full++;
        else refunds.partial++;
      });
    } catch {
      // the units stay consumed: other decisions may be under-admitted, never over-admitted
      refunds.failed += keys.length;
    }
  }

  function unreachable(err: unknown): ConsumeOutcome {
    const message = (err as Error)?.message ?? String(err);
    if (message.startsWith('unexpected')) return { kind: 'unavailable', reason: `limit store unavailable (${where}): ${message}` };
    note('down', message);
    return { kind: 'unavailable', reason: `limit store unreachable (${where}): ${message}` };
  }

  /** gives back every admitted group of `replies` (a decision that will not be kept) */
  async function refundAll(replies: readonly (GroupReply | undefined)[], nowMs: number): Promise<void> {
    await Promise.all(replies.map((r) => (r?.allowed && r.refund ? refund(r, nowMs) : undefined)));
  }

  /**
   * Runs the groups one at a time in `order`, stopping at the first refusal (and refunding
   * the groups before it). Every decision retried this way takes the same global order, so
   * the last group's admission is final and a burst cannot refuse everything while room is
   * left (the parallel pass can: two masters may serve the same decisions in opposite
   * orders). Returns the replies by group index; groups not reached stay undefined.
   */
  async function consumeInOrder(order: readonly number[], members: readonly number[][], plans: readonly BucketPlan[], request: ConsumeRequest, counterExp: number): Promise<(GroupReply | undefined)[]> {
    const replies: (GroupReply | undefined)[] = new Array(members.length);
    for (let k = 0; k < order.length; k++) {
      const g = order[k]!;
      let reply: GroupReply;
      try {
        reply = await consumeGroup(members[g]!.map((i) => plans[i]!), request, counterExp, k < order.length - 1);
      } catch (err) {
        await refundAll(replies, request.nowMs);
        throw err;
      }
      replies[g] = reply;
      if (!reply.allowed) {
        await refundAll(replies, request.nowMs);
        break;
      }
    }
    return replies;
  }

  async function consume(request: ConsumeRequest): Promise<ConsumeOutcome> {
    const planned = planBuckets(request.buckets);
    if (!planned.ok) return { kind: 'unavailable', reason: planned.reason, cause: 'bucket' };
    const { plans } = planned;
    if (plans.length === 0) return { kind: 'allowed', buckets: [] };
    const counterExp = counterExpiry(request.nowMs, request.sessionExpiresAtMs, maxSessionLifeMs);
    // one group on a single Redis (any keys may meet in one script there); by subject on a Cluster
    const groups = new Map<string, number[]>();
    for (let i = 0; i < plans.length; i++) {
      const tag = cluster ? hashTag(prefix, plans[i]!.bucket) : '';
      const g = groups.get(tag);
      if (g) g.push(i);
      else groups.set(tag, [i]);
    }
    const tags = [...groups.keys()];
    const members = [...groups.values()];
    const wantRefund = members.length > 1;
    // the optimistic pass: every group at once, one round trip when admitted
    const settled = await Promise.allSettled(members.map((idx) => consumeGroup(idx.map((i) => plans[i]!), request, counterExp, wantRefund)));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    let replies = settled.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
    const refused = replies.some((r) => r && !r.allowed);
    if (failed || refused) await refundAll(replies, request.nowMs);
    if (failed) return unreachable(failed.reason);
    noteSuccess();
    if (!refused) return outcome(plans, members, replies, false);
    // a split (some groups admitted, some refused) may be contention rather than a full
    // bucket: the tentative units of other decisions. Retry once, group by group in the
    // global order, so that a burst admits up to its tightest limit (docs/limits.md)
    if (!replies.some((r) => r?.allowed)) return outcome(plans, members, replies, true);
    retries++;
    const order = members.map((_, g) => g).sort((x, y) => compareGroups(plans[members[x]![0]!]!, tags[x]!, plans[members[y]![0]!]!, tags[y]!));
    let ordered: (GroupReply | undefined)[];
    try {
      ordered = await consumeInOrder(order, members, plans, request, counterExp);
    } catch (err) {
      return unreachable(err);
    }
    const refusedAgain = ordered.some((r) => r && !r.allowed);
    // groups the retry did not reach answer with what the first pass saw
    replies = members.map((_, g) => ordered[g] ?? replies[g]);
    return outcome(plans, members, replies, refusedAgain);
  }

  /** the answer from one reply per group; when refused, admitted groups show their state as if rejected (they were refunded) */
  function outcome(plans: readonly BucketPlan[], members: readonly number[][], replies: readonly (GroupReply | undefined)[], refused: boolean): ConsumeOutcome {
    const buckets: BucketState[] = new Array(plans.length);
    let firstMiss = Infinity;
    let retryMs = 0;
    members.forEach((idx, g) => {
      const r = replies[g]!;
      idx.forEach((global, local) => {
        const s = refused && r.allowed && r.refund ? r.refund[local]!.rejected : r.states[local]!;
        const p = plans[global]!;
        buckets[global] = { id: p.bucket.id, limit: p.bucket.max, remaining: s[0], resetMs: s[1], fullMs: s[2] };
      });
      if (!r.allowed) {
        firstMiss = Math.min(firstMiss, idx[r.firstMiss - 1]!);
        retryMs = Math.max(retryMs, r.retryMs);
      }
    });
    if (!refused) return { kind: 'allowed', buckets };
    return { kind: 'limited', buckets, exceeded: plans[firstMiss]!.bucket.id, retryAfterMs: retryMs };
  }

  return {
    async consume(request) {
      try {
        return await consume(request);
      } catch (err) {
        return { kind: 'unavailable', reason: `limit store unreachable (${where}): ${(err as Error).message}` };
      }
    },
    ready: (timeoutMs = 2_000) => whenReady(client, timeoutMs),
    stats() {
      return { resets: Object.fromEntries(detector.resets()), refunds: { ...refunds }, orderedRetries: retries };
    },
    checkReset: () => detector.check(),
    async close() {
      detector.stop();
      if (owned) client.disconnect();
    },
  };
}
