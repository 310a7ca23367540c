// Builds the limit store the configuration asks for: Redis (one server, or a Cluster given
// as redis+cluster://h1:p1,h2:p2,...) when `limits.redis` is set (waiting briefly for it at
// startup, never failing the start: until it answers, writes are denied as
// store_unavailable), else the in-process memory store.
import type { Registry } from 'prom-client';
import type { LeashConfig } from '../config/index.ts';
import type { LimitStore } from '../contracts.ts';
import type { AuditLogger } from '../audit/sink.ts';
import { describeRedis } from '../redis/index.ts';
import { createMemoryLimitStore } from './memory-store.ts';
import { registerLimitStoreMetrics } from './metrics.ts';
import { createRedisLimitStore } from './redis-store.ts';

/**
 * `onState` hears whether a Redis store is reachable (status: plugin `limits`); never called for memory.
 * `registry`: where leash_limit_store_resets_total and leash_limit_refunds_total go (Redis only).
 */
export async function createLimitStoreFromConfig(config: LeashConfig, log: AuditLogger, onState?: (state: 'up' | 'down', where: string) => void, registry?: Registry): Promise<LimitStore> {
  const maxSessionLifeMs = config.identity.maxLifetimeSeconds * 1000;
  const url = config.limits.redis;
  if (url === undefined) return createMemoryLimitStore({ maxSessionLifeMs, maxKeys: config.limits.memoryMaxKeys });
  const where = describeRedis(url);
  const store = createRedisLimitStore({
    url,
    prefix: config.limits.redisPrefix,
    maxSessionLifeMs,
    commandTimeoutMs: config.limits.redisTimeoutMs,
    onStateChange: (state, detail) => {
      onState?.(state, where);
      if (state === 'up') log.warn({ store: where }, 'limit store reachable');
      else log.error({ store: where, error: detail }, 'limit store unreachable: writes are denied until it answers');
    },
    onReset: (node) =>
      log.error({ store: where, node }, 'limit store reset: the Redis node lost its data, so every limit counter on it restarted from zero (enable AOF persistence to keep counters across restarts)'),
  });
  if (registry) registerLimitStoreMetrics(registry, store);
  if (!(await store.ready(2_000))) log.error({ store: where }, 'limit store not reachable at startup; continuing, writes denied until it answers');
  return store;
}
