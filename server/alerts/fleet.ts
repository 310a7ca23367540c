// What the notifiers of one deployment share in Redis, so that N workers and servers alert
// like one: the immediate-alert cap counts every process's alerts in one counter per minute,
// and the read-anomaly digest is one message per period that merges every process's lines.
// Keys share the `{alerts}` hash tag (one slot in a Cluster; every command here is on one key).
import { whenReady, type RedisClient } from '../redis/index.ts';
import type { DigestLine } from './slack.ts';

export interface DigestShare {
  readonly lines: readonly DigestLine[];
  /** anomalies in sessions that did not fit the lines */
  readonly overflow: number;
  /** the earliest start of the contributions merged (ms) */
  readonly sinceMs: number;
}

export interface AlertFleet {
  /** counts one immediate alert of the minute `nowMs` falls in; true while the deployment's count is at most `max` */
  underCap(max: number, nowMs: number): Promise<boolean>;
  /** adds this process's digest lines to the deployment's pending digest */
  contribute(share: DigestShare): Promise<void>;
  /**
   * For the one process that wins `period` (a claim kept `ttlMs`): the pending digest, taken
   * out of Redis. Null for every other process. Lines contributed after the take wait for
   * the next period's digest.
   */
  takeDigest(period: number, ttlMs: number): Promise<DigestShare | null>;
  /** true for the one process that claims `name` for the next `ttlMs` (SET NX) */
  claim(name: string, ttlMs: number): Promise<boolean>;
}

// A digest line's count and the rest of it are fields of one hash: counts merge with
// HINCRBY; agent and last path are the latest writer's (either is right for the line).
const COUNT = 'c\u0000';
const META = 'm\u0000';
const OVERFLOW = 'overflow';
const SINCE = 'since';
/** pending lines of a fleet that stopped are kept for a day, for the next one to send */
const PENDING_TTL_MS = 86_400_000;

export function redisAlertFleet(client: RedisClient, prefix: string, readyWaitMs = 2_000): AlertFleet {
  const capKey = (minute: number) => `${prefix}{alerts}:immediate:${minute}`;
  const pendingKey = `${prefix}{alerts}:digest`;
  // A client still connecting at start-up gets `readyWaitMs` once, shared by every alert of
  // that moment; after that an outage fails commands at once (the notifier falls back).
  let connecting: Promise<boolean> | undefined;
  let waited = false;
  async function ready(): Promise<void> {
    if (waited) return;
    await (connecting ??= whenReady(client, readyWaitMs));
    waited = true;
  }
  async function claim(name: string, ttlMs: number): Promise<boolean> {
    await ready();
    return (await client.set(`${prefix}{alerts}:${name}`, '1', 'PX', ttlMs, 'NX')) === 'OK';
  }
  return {
    claim,
    async underCap(max, nowMs) {
      await ready();
      const minute = Math.floor(nowMs / 60_000);
      const replies = await client.multi().incr(capKey(minute)).pexpire(capKey(minute), 120_000).exec();
      const [err, count] = replies?.[0] ?? [new Error('the transaction was discarded'), null];
      if (err) throw err;
      return Number(count) <= max;
    },
    async contribute(share) {
      if (share.lines.length === 0 && share.overflow === 0) return;
      await ready();
      const tx = client.multi();
      for (const line of share.lines) {
        const id = `${line.kind}\u0000${line.session}`;
        tx.hincrby(pendingKey, COUNT + id, line.count);
        tx.hset(pendingKey, META + id, JSON.stringify({ agentId: line.agentId, lastPath: line.lastPath }));
      }
      if (share.overflow > 0) tx.hincrby(pendingKey, OVERFLOW, share.overflow);
      tx.hsetnx(pendingKey, SINCE, String(share.sinceMs));
      tx.pexpire(pendingKey, PENDING_TTL_MS);
      const replies = await tx.exec();
      const failed = replies?.find(([e]) => e);
      if (!replies || failed) throw failed?.[0] ?? new Error('the transaction was discarded');
    },
    async takeDigest(period, ttlMs) {
      if (!(await claim(`digest-sender:${period}`, ttlMs))) return null;
      const replies = await client.multi().hgetall(pendingKey).del(pendingKey).exec();
      const [err, fields] = replies?.[0] ?? [new Error('the transaction was discarded'), null];
      if (err) throw err;
      return parsePending((fields ?? {}) as Record<string, string>);
    },
  };
}

/** the hash as lines; a field another version wrote that does not parse is left out, not thrown on */
function parsePending(fields: Record<string, string>): DigestShare {
  const lines: DigestLine[] = [];
  for (const [field, value] of Object.entries(fields)) {
    if (!field.startsWith(COUNT)) continue;
    const id = field.slice(COUNT.length);
    const cut = id.indexOf('\u0000');
    const count = Number(value);
    if (cut < 0 || !Number.isSafeInteger(count) || count <= 0) continue;
    let meta: { agentId?: unknown; lastPath?: unknown } = {};
    try {
      meta = JSON.parse(fields[META + id] ?? '{}') as typeof meta;
    } catch {
      // a line without its agent and path still counts
    }
    lines.push({
      kind: id.slice(0, cut) as DigestLine['kind'],
      session: id.slice(cut + 1),
      count,
      agentId: typeof meta.agentId === 'string' ? meta.agentId : 'unknown',
      lastPath: typeof meta.lastPath === 'string' ? meta.lastPath : '',
    });
  }
  const overflow = Number(fields[OVERFLOW] ?? 0);
  const since = Number(fields[SINCE]);
  return { lines, overflow: Number.isSafeInteger(overflow) && overflow > 0 ? overflow : 0, sinceMs: Number.isFinite(since) ? since : Number.NaN };
}
