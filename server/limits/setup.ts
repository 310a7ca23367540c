// Builds the limit store the configuration asks for: Redis when `limits.redis` is set
// (waiting briefly for it at startup, never failing the start: until it answers, writes
// are denied as store_unavailable), else the in-process memory store.
import type { LeashConfig } from '../config/index.ts';
import type { LimitStore } from '../contracts.ts';
import type { AuditLogger } from '../audit/sink.ts';
import { createMemoryLimitStore } from './memory-store.ts';
import { createRedisLimitStore, describeRedis } from './redis-store.ts';

/** `onState` hears whether a Redis store is reachable (status: plugin `limits`); never called for memory */
export async function createLimitStoreFromConfig(config: LeashConfig, log: AuditLogger, onState?: (state: 'up' | 'down', where: string) => void): Promise<LimitStore> {
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
  });
  if (!(await store.ready(2_000))) log.error({ store: where }, 'limit store not reachable at startup; continuing, writes denied until it answers');
  return store;
}
