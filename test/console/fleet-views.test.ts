// The console's alerts and charts over several servers sharing one Redis (127.0.0.1:6379):
// two "servers", each with its own notifier or metrics registry, see each other's alerts
// (with their delivery state as it changes) and the sum of their charts; the shared list is
// trimmed to its bound; an unreachable Redis leaves each its own view, saying so.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { Redis } from 'ioredis';
import { createNotifier } from '../../server/alerts/index.ts';
import { createChartSampler, type ChartInterval } from '../../server/console/charts.ts';
import { createRedisAlertFeed } from '../../server/console/fleet-alerts.ts';
import { createFleetCharts, pointOf } from '../../server/console/fleet-charts.ts';
import { quietLog, startReceiver } from '../alerts/fixtures.ts';
import { REDIS_URL, redisScratch } from '../limits/redis-helpers.ts';

const { prefix, clients } = redisScratch('fleet-views');
const client = () => {
  const c = new Redis(REDIS_URL);
  clients.push(c);
  return c;
};
/** a client whose commands fail at once: Redis as if unreachable */
const deadClient = () => {
  const c = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => undefined); // the stores report their failures themselves
  clients.push(c);
  return c;
};

describe('fleet alerts', () => {
  it('each server sees the other\'s alerts with their delivery state as it changes, never the webhook URL', async () => {
    const rx = await startReceiver();
    const a = createNotifier({ webhookUrl: rx.url, log: quietLog(), attempts: 3, backoffMs: 400, digestEveryMs: 3_600_000 });
    const b = createNotifier({ log: quietLog(), digestEveryMs: 3_600_000 });
    const feedA = createRedisAlertFeed({ client: client(), prefix, server: 'host-a:101', local: a.deliveries, everyMs: 50 });
    const feedB = createRedisAlertFeed({ client: client(), prefix, server: 'host-b:202', local: b.deliveries, everyMs: 50 });
    rx.failNext([500]);
    a.send({ text: 'write out of scope on A' }, 'write_out_of_scope');
    b.send({ text: 'session quarantined on B' }, 'quarantine');
    // A's first attempt failed: B sees it retrying, then delivered, with the error class only
    await expect.poll(async () => (await feedB.view()).alerts.find((x) => x.server === 'host-a:101')?.state, { timeout: 3_000 }).toBe('retrying');
    await expect.poll(async () => (await feedB.view()).alerts.find((x) => x.server === 'host-a:101')?.state, { timeout: 3_000 }).toBe('delivered');
    const fromB = await feedB.view();
    const fromA = await feedA.view();
    expect(fromB.scope).toBe('fleet');
    expect(fromB.notice).toBeUndefined();
    for (const view of [fromA, fromB]) {
      expect(view.alerts.map((x) => [x.server, x.what, x.state])).toEqual(expect.arrayContaining([
        ['host-a:101', 'write_out_of_scope', 'delivered'],
        ['host-b:202', 'quarantine', 'logged'],
      ]));
      expect(view.alerts).toHaveLength(2);
    }
    expect(fromB.alerts.find((x) => x.server === 'host-a:101')).toMatchObject({ text: 'write out of scope on A', attempts: 2, lastError: 'HTTP 500' });
    expect(JSON.stringify(fromB)).not.toContain(rx.url);
    await Promise.all([a.close(), b.close(), feedA.close(), feedB.close()]);
    await rx.close();
  });

  it('keeps the fleet\'s newest alerts up to its bound, newest first, and skips entries that are not alerts', async () => {
    const own = `${prefix}trim:`;
    const redis = client();
    const n = createNotifier({ log: quietLog(), digestEveryMs: 3_600_000 });
    const feed = createRedisAlertFeed({ client: redis, prefix: own, server: 'host-c:303', local: n.deliveries, everyMs: 3_600_000, keep: 5 });
    for (let i = 0; i < 8; i++) {
      n.send({ text: `alert ${i}` }, 'write_denied');
      await feed.flush();
    }
    expect(await redis.hlen(`${own}{console-alerts}`)).toBe(5);
    expect(await redis.zcard(`${own}{console-alerts}:by-time`)).toBe(5);
    // another writer's garbage in the shared hash is left out, not shown or thrown
    const entry = { id: 1, server: 'x', what: 'write_denied', text: 'planted', createdMs: Date.now() + 1_000, state: 'logged', attempts: 1 };
    await redis.hset(`${own}{console-alerts}`, {
      'x#1': '{"not":"an alert"}',
      'x#2': JSON.stringify(entry).replace(/"createdMs":\d+/, '"createdMs":1e400'),
      'x#3': JSON.stringify({ ...entry, id: 3, state: 'pwned' }),
      'x#4': JSON.stringify({ ...entry, id: 4, injected: '<script>' }).replace('{', '{"__proto__":{"polluted":true},'),
    });
    await redis.zadd(`${own}{console-alerts}:by-time`, Date.now() + 1_000, 'x#1', Date.now() + 1_000, 'x#2', Date.now() + 1_000, 'x#3', Date.now() + 1_000, 'x#4');
    const other = createRedisAlertFeed({ client: client(), prefix: own, server: 'host-d:404', local: () => [], everyMs: 3_600_000, keep: 5 });
    const view = await other.view();
    // the newest five index entries, of which three are not alerts
    expect(view.alerts.map((x) => x.text)).toEqual(['planted', 'alert 7']);
    // an alert that passes is rebuilt from its own fields only
    expect(view.alerts[0]).toEqual({ ...entry, id: 4 });
    expect(Object.getPrototypeOf(view.alerts[0])).toBe(Object.prototype);
    await Promise.all([n.close(), feed.close(), other.close()]);
  });

  it('with Redis unreachable, shows this server\'s alerts and says so', async () => {
    const n = createNotifier({ log: quietLog(), digestEveryMs: 3_600_000 });
    const errors: string[] = [];
    const feed = createRedisAlertFeed({ client: deadClient(), prefix, server: 'host-e:505', local: n.deliveries, everyMs: 3_600_000, onError: (e) => errors.push(e.message) });
    n.send({ text: 'local only' }, 'write_denied');
    await feed.flush();
    const view = await feed.view();
    expect(view).toMatchObject({ scope: 'server', notice: expect.stringContaining('Redis could not be read') });
    expect(view.alerts.map((x) => [x.server, x.text])).toEqual([['host-e:505', 'local only']]);
    expect(errors.length).toBeGreaterThanOrEqual(2); // the write and the read
    await Promise.all([n.close(), feed.close()]);
  });
});

const BOUNDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];

/** one server's metrics and sampler, reporting to the fleet's charts through its own Redis client */
function server(now: () => number, record: (i: ChartInterval) => void) {
  const registry = new Registry();
  const latency = new Histogram({ name: 'leash_decision_duration_seconds', help: 'h', labelNames: ['via'], buckets: BOUNDS, registers: [registry] });
  const decisions = new Counter({ name: 'leash_decisions_total', help: 'c', labelNames: ['result'], registers: [registry] });
  const sampler = createChartSampler(registry, { everyMs: 2_000, now, onInterval: record });
  return { latency, decisions, sampler };
}

describe('fleet charts', () => {
  it('add up the servers\' decisions and denials per interval, with quantiles of their pooled latencies', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.double({ min: 0.00001, max: 0.2, noNaN: true }), { minLength: 1, maxLength: 120 }),
        fc.array(fc.double({ min: 0.00001, max: 0.2, noNaN: true }), { minLength: 0, maxLength: 120 }),
        fc.nat(30),
        async (onA, onB, deniedOnB) => {
          // each run on intervals of its own, far from the others'
          let t = 1_800_000_000_000 + run++ * 10_000_000 + 20;
          const now = () => t;
          const charts = [createFleetCharts({ client: client(), prefix, now }), createFleetCharts({ client: client(), prefix, now })];
          const a = server(now, charts[0]!.record);
          const b = server(now, charts[1]!.record);
          await Promise.all([a.sampler.sample(), b.sampler.sample()]);
          onA.forEach((v) => { a.latency.observe({ via: 'decide' }, v); a.decisions.inc({ result: 'allow' }); });
          onB.forEach((v, i) => { b.latency.observe({ via: 'authz' }, v); b.decisions.inc({ result: i < deniedOnB ? 'scope_denied' : 'allow' }); });
          t += 2_000;
          await Promise.all([a.sampler.sample(), b.sampler.sample()]);
          a.sampler.close();
          b.sampler.close();
          await Promise.all(charts.map((c) => c.close()));
          // before the lag has passed the interval is not shown: a server may not have written it
          t += 500;
          expect((await charts[0]!.view(() => [])).points).toEqual([]);
          t += 600;
          const view = await charts[1]!.view(() => []);
          expect(view.scope).toBe('fleet');
          expect(view.points).toHaveLength(1);
          const point = view.points[0]!;
          const denied = Math.min(deniedOnB, onB.length);
          expect(point.t).toBe(t - 1_100 - 20);
          expect(point.decisionsPerSecond).toBe((onA.length + onB.length) / 2);
          expect(point.denialsPerSecond).toBe(denied / 2);
          const pooled = [...onA, ...onB].sort((x, y) => x - y);
          for (const [q, p] of [[0.5, point.p50], [0.99, point.p99]] as const) {
            const exact = pooled[Math.max(0, Math.ceil(q * pooled.length) - 1)]!;
            const lower = [0, ...BOUNDS].filter((x) => x < exact).pop()!;
            const upper = BOUNDS.find((x) => x >= exact) ?? 0.25;
            expect(p).toBeGreaterThanOrEqual(lower);
            expect(p).toBeLessThanOrEqual(upper);
          }
        },
      ),
      { numRuns: 15 },
    );
  });

  it('read what is not a count in the shared hash as none: never a null, negative or infinite rate', () => {
    const point = pointOf(2_000, { n: '1e309', x: '-5', 'b:abc': '3', 'b:-1': '2', 'b:0.001': '1e400', 'b:0.01': '4', 'b:+Inf': 'many' }, 2_000);
    expect(point).toMatchObject({ t: 2_000, decisionsPerSecond: 0, denialsPerSecond: 0 });
    // the four observations of the one real bucket, (0.001, 0.01]
    expect(point.p50).toBeCloseTo(0.0055, 10);
    expect(point.p99).toBeCloseTo(0.00991, 10);
    expect(pointOf(4_000, { n: '6', x: '2', 'b:0.001': '6', 'b:+Inf': '0' }, 2_000)).toMatchObject({ decisionsPerSecond: 3, denialsPerSecond: 1 });
  });

  it('with Redis unreachable, shows this server\'s series and says so', async () => {
    let t = 1_900_000_000_020;
    const errors: string[] = [];
    const charts = createFleetCharts({ client: deadClient(), prefix, now: () => t, onError: (e) => errors.push(e.message) });
    const one = server(() => t, charts.record);
    await one.sampler.sample();
    one.decisions.inc({ result: 'allow' }, 4);
    t += 2_000;
    await one.sampler.sample();
    one.sampler.close();
    await charts.close();
    const view = await charts.view(one.sampler.points);
    expect(view).toMatchObject({ scope: 'server', notice: expect.stringContaining('Redis could not be read') });
    expect(view.points).toEqual([{ t, decisionsPerSecond: 2, denialsPerSecond: 0, p50: null, p99: null }]);
    expect(errors.length).toBeGreaterThanOrEqual(2);
  });
});
