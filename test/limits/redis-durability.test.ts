// What a Redis restart does to the limit counters (docs/limits.md "Durability"), on a
// standalone redis-server started and SIGKILLed here: with AOF (appendfsync always) the
// counters survive the crash and no reset is reported; without persistence they restart
// from zero, and the store notices on reconnect: it logs the reset and counts it in
// leash_limit_store_resets_total.
import { afterEach, describe, expect, it } from 'vitest';
import { AggregatorRegistry, Registry } from 'prom-client';
import type { LeashConfig } from '../../server/config/index.ts';
import type { LimitStore } from '../../server/contracts.ts';
import { createLimitStoreFromConfig, createRedisLimitStore, registerLimitStoreMetrics, type RedisLimitStore } from '../../server/limits/index.ts';
import { at, bucket, T0 } from './helpers.ts';
import { startStandalone, type Standalone } from './cluster-helpers.ts';

const running: Standalone[] = [];
const stores: LimitStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

const lifetime = bucket({ id: 'tickets.write/session', max: 5 });
const rolling = bucket({ id: 'tickets.write/session/1m', max: 10, window: '1m' });

async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function consumeThree(store: RedisLimitStore) {
  for (let i = 0; i < 3; i++) expect((await store.consume(at(T0 + i, [lifetime, rolling]))).kind).toBe('allowed');
}

async function crashAndRestart(redis: Standalone, store: RedisLimitStore) {
  await redis.kill();
  expect((await store.consume(at(T0 + 10, [lifetime]))).kind).toBe('unavailable');
  await redis.start();
  expect(await store.ready(5_000)).toBe(true);
}

describe('a Redis restart', () => {
  it('with AOF on, keeps every counter through a crash and reports no reset', async () => {
    const redis = await startStandalone(true);
    running.push(redis);
    const resets: string[] = [];
    const store = createRedisLimitStore({ url: redis.url, prefix: 'dur:', resetCheckMs: 0, onReset: (n) => resets.push(n) });
    stores.push(store);
    expect(await store.ready(5_000)).toBe(true);
    await store.checkReset();
    await consumeThree(store);
    await crashAndRestart(redis, store);
    await store.checkReset();
    const after = await store.consume(at(T0 + 20, [lifetime, rolling]));
    expect(after).toMatchObject({ kind: 'allowed', buckets: [{ remaining: 1 }, { remaining: 6 }] });
    expect(resets).toEqual([]);
    expect(store.stats().resets).toEqual({});
  });

  it('without persistence, restarts the counters from zero, and the server logs and counts the reset', async () => {
    const redis = await startStandalone(false, ['--requirepass', 'pa55word']);
    running.push(redis);
    const lines: { msg: string; obj: Record<string, unknown> }[] = [];
    const log = { warn: (obj: object, msg: string) => lines.push({ msg, obj: obj as Record<string, unknown> }), error: (obj: object, msg: string) => lines.push({ msg, obj: obj as Record<string, unknown> }) };
    const config = {
      identity: { maxLifetimeSeconds: 86_400 },
      limits: { redis: `redis://:pa55word@127.0.0.1:${redis.port}`, redisPrefix: 'dur:', redisTimeoutMs: 500, memoryMaxKeys: 1000, readsOnStoreUnavailable: 'deny' },
    } as unknown as LeashConfig;
    const registry = new Registry();
    const store = (await createLimitStoreFromConfig(config, log, undefined, registry)) as RedisLimitStore;
    stores.push(store);
    // a second worker of the same server (`--workers 2`): its own store and registry
    const workerRegistry = new Registry();
    const worker = (await createLimitStoreFromConfig(config, { warn() {}, error() {} }, undefined, workerRegistry)) as RedisLimitStore;
    stores.push(worker);
    await store.checkReset();
    await worker.checkReset();
    await consumeThree(store);
    await crashAndRestart(redis, store);
    // noticed on the reconnect, without any decision asking
    await until(() => Object.keys(store.stats().resets).length > 0);
    await worker.checkReset();
    await until(() => Object.keys(worker.stats().resets).length > 0);
    const node = `redis 127.0.0.1:${redis.port}`;
    expect(store.stats().resets).toEqual({ [node]: 1 });
    const reset = lines.find((l) => l.msg.startsWith('limit store reset'));
    expect(reset?.obj).toMatchObject({ store: node, node });
    expect(JSON.stringify(lines)).not.toContain('pa55word');
    expect(await registry.getSingleMetricAsString('leash_limit_store_resets_total')).toContain(`leash_limit_store_resets_total{node="${node}"} 1`);
    // both workers saw the one reset; the primary's aggregated /metrics still reads 1
    const aggregated = AggregatorRegistry.aggregate([await registry.getMetricsAsJSON(), await workerRegistry.getMetricsAsJSON()]);
    expect(await aggregated.getSingleMetricAsString('leash_limit_store_resets_total')).toContain(`leash_limit_store_resets_total{node="${node}"} 1`);
    const after = await store.consume(at(T0 + 20, [lifetime, rolling]));
    expect(after).toMatchObject({ kind: 'allowed', buckets: [{ remaining: 4 }, { remaining: 9 }] });
  });

  it('a memory store registers no store metrics', () => {
    const registry = new Registry();
    registerLimitStoreMetrics(registry, { consume: async () => ({ kind: 'allowed', buckets: [] }), close: async () => {} });
    expect(registry.getMetricsAsArray()).toEqual([]);
  });
});
