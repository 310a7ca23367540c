// The notifiers of one deployment alert like one through Redis: the immediate-alert cap
// counts every process's alerts, and a period's read anomalies from every process arrive as
// one merged digest. Real Redis, real notifiers posting to a local webhook receiver; each
// test has its own key prefix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyDecision, createNotifier, redisAlertFleet, type Anomaly, type Notifier } from '../../server/alerts/index.ts';
import { connectRedis } from '../../server/redis/index.ts';
import { makeRecord, quietLog, startReceiver, T0, type Receiver } from './fixtures.ts';
import { freePort, REDIS_URL, redisScratch } from '../limits/redis-helpers.ts';

let rx: Receiver;
const notifiers: Notifier[] = [];

beforeAll(async () => {
  rx = await startReceiver();
});
afterAll(async () => {
  await Promise.all(notifiers.map((n) => n.close()));
  await rx.close();
});

// one scratch prefix per test: the cap and the pending digest are per prefix
const scratches = Array.from({ length: 5 }, (_, i) => redisScratch(`alert-fleet-${i}`));

/** one "worker" of the deployment `scratch`: its own Redis client and notifier */
function worker(scratch: (typeof scratches)[number], options: { redisUrl?: string; now?: () => number; digestEveryMs?: number; digestGraceMs?: number; maxImmediatePerMinute?: number; digestMaxLines?: number } = {}): Notifier {
  const client = connectRedis(options.redisUrl ?? REDIS_URL);
  client.on('error', () => undefined);
  scratch.clients.push(client as never);
  const notifier = createNotifier({
    webhookUrl: rx.url, log: quietLog(), digestEveryMs: options.digestEveryMs ?? 3_600_000, digestGraceMs: options.digestGraceMs ?? 300,
    fleet: redisAlertFleet(client, scratch.prefix, 500),
    ...(options.now ? { now: options.now } : {}),
    ...(options.maxImmediatePerMinute ? { maxImmediatePerMinute: options.maxImmediatePerMinute } : {}),
    ...(options.digestMaxLines ? { digestMaxLines: options.digestMaxLines } : {}),
  });
  notifiers.push(notifier);
  return notifier;
}

let sessions = 0;
function anomaly(access: 'read' | 'write', session = `s-${++sessions}`): Anomaly {
  const a = classifyDecision(makeRecord({ access, allow: false, session }));
  if (!a) throw new Error('the fixture record is not an anomaly');
  return a;
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
const textsSince = (before: number) => rx.received.slice(before).map((r) => (r.body as { text: string }).text);
const digestsSince = (before: number) => textsSince(before).filter((t) => t.startsWith('Leash digest'));
const immediateSince = (before: number) => textsSince(before).filter((t) => !t.startsWith('Leash digest'));
/** the "N anomalies" a digest's text counts */
const anomaliesIn = (digest: string) => Number(/: (\d+) anomalies\n/.exec(digest)?.[1]);

describe('alerts across the processes of a deployment (Redis)', () => {
  it('caps immediate alerts for the deployment, not per process, and the alerts over the cap arrive in one digest', async () => {
    const before = rx.received.length;
    // a fixed clock: every alert falls in one minute
    const now = () => T0 + 30_000;
    const workers = Array.from({ length: 4 }, () => worker(scratches[0]!, { now }));
    for (let i = 0; i < 30; i++) for (const w of workers) w.immediate(anomaly('write'));
    await rx.waitFor(before + 60);
    await settle(500);
    // 120 write anomalies from four processes: 60 alerts (the cap), not 4 × 30
    expect(immediateSince(before)).toHaveLength(60);
    expect(workers.reduce((sum, w) => sum + w.stats().digested, 0)).toBe(60);
    // every process flushes its period; one of them sends the deployment's digest
    await Promise.all(workers.map((w) => w.flushDigest()));
    await settle(300);
    const digests = digestsSince(before);
    expect(digests).toHaveLength(1);
    expect(anomaliesIn(digests[0]!)).toBe(60);
  });

  it('merges the lines of every process into one digest per period, counts of one session added up', async () => {
    const before = rx.received.length;
    const [a, b, c] = Array.from({ length: 3 }, () => worker(scratches[1]!));
    for (let i = 0; i < 3; i++) a!.digest(anomaly('read', 'shared-1'));
    a!.digest(anomaly('read', 'only-a'));
    for (let i = 0; i < 2; i++) b!.digest(anomaly('read', 'shared-1'));
    for (let i = 0; i < 5; i++) c!.digest(anomaly('read', 'only-c'));
    await Promise.all([a!, b!, c!].map((w) => w.flushDigest()));
    await settle(300);
    const digests = digestsSince(before);
    expect(digests).toHaveLength(1);
    expect(anomaliesIn(digests[0]!)).toBe(11);
    expect(digests[0]).toMatch(/×5: agent support-bot, session shared-1 /);
    expect(digests[0]).toMatch(/×1: agent support-bot, session only-a /);
    expect(digests[0]).toMatch(/×5: agent support-bot, session only-c /);
    // lines that come after the period's digest was sent wait for the next period's: one digest per period
    const late = worker(scratches[1]!);
    late.digest(anomaly('read', 'late'));
    await late.flushDigest();
    expect(digestsSince(before)).toHaveLength(1);
    const nextPeriod = worker(scratches[1]!, { now: () => Date.now() + 3_600_000 });
    await nextPeriod.flushDigest();
    await rx.waitFor(before + 2);
    const next = digestsSince(before)[1]!;
    expect(anomaliesIn(next)).toBe(1);
    expect(next).toContain('session late ');
  });

  it('keeps the most anomalous sessions when the merged lines are too many, and counts the rest', async () => {
    const before = rx.received.length;
    const [a, b] = [worker(scratches[2]!, { digestMaxLines: 2 }), worker(scratches[2]!, { digestMaxLines: 2 })];
    for (let i = 0; i < 4; i++) a!.digest(anomaly('read', 'busy'));
    a!.digest(anomaly('read', 'quiet-a'));
    for (let i = 0; i < 3; i++) b!.digest(anomaly('read', 'second'));
    b!.digest(anomaly('read', 'quiet-b'));
    await Promise.all([a!, b!].map((w) => w.flushDigest()));
    await settle(300);
    const [digest] = digestsSince(before);
    expect(anomaliesIn(digest!)).toBe(9);
    expect(digest).toContain('session busy ');
    expect(digest).toContain('session second ');
    expect(digest).not.toContain('quiet-');
    expect(digest).toContain('…and 2 more in sessions not listed');
  });

  it('ends every process\'s periods on the same multiples of the clock, so the timer sends one digest for all', async () => {
    const before = rx.received.length;
    // a grace that outlasts a busy machine's timer lag, so both processes' lines are in before the take
    const every = 2_000;
    // created at different moments, as workers start
    const a = worker(scratches[3]!, { digestEveryMs: every, digestGraceMs: 900 });
    await settle(330);
    const b = worker(scratches[3]!, { digestEveryMs: every, digestGraceMs: 900 });
    // adds well inside one period, away from its end
    while (Date.now() % every > 300) await settle(20);
    a.digest(anomaly('read', 'timer-a'));
    b.digest(anomaly('read', 'timer-b'));
    await rx.waitFor(before + 1);
    // the other process's flush of the same period has had its time
    await settle(700);
    const digests = digestsSince(before);
    expect(digests).toHaveLength(1);
    expect(anomaliesIn(digests[0]!)).toBe(2);
    expect(digests[0]).toContain('timer-a');
    expect(digests[0]).toContain('timer-b');
    // their timers stop here: no later period of theirs reaches the tests after this one
    await Promise.all([a.close(), b.close()]);
  });

  it('falls back to each process\'s own cap and digest when Redis cannot be reached: duplicates rather than lost alerts', async () => {
    const before = rx.received.length;
    const down = `redis://127.0.0.1:${await freePort()}`;
    const [a, b] = [worker(scratches[4]!, { redisUrl: down, maxImmediatePerMinute: 3 }), worker(scratches[4]!, { redisUrl: down, maxImmediatePerMinute: 3 })];
    for (let i = 0; i < 5; i++) for (const w of [a, b]) w.immediate(anomaly('write'));
    await rx.waitFor(before + 6);
    await settle(300);
    expect(immediateSince(before)).toHaveLength(6);
    a.digest(anomaly('read'));
    await Promise.all([a, b].map((w) => w.flushDigest()));
    await settle(300);
    // a: 2 over its cap and 1 read; b: 2 over its cap
    expect(digestsSince(before).map(anomaliesIn).sort()).toEqual([2, 3]);
  });
});
