// Session-aware limits: bucket stores (memory, Redis), the algorithm, the server-side
// read/write defaults, the store-failure verdict and the rate-limit headers.
export { createMemoryLimitStore, DEFAULT_MAX_SESSION_LIFE_MS } from './memory-store.ts';
export type { MemoryLimitStore, MemoryLimitStoreOptions } from './memory-store.ts';
export { createRedisLimitStore, createRedisClient, describeRedis } from './redis-store.ts';
export type { RedisLimitStore, RedisLimitStoreOptions, RedisLimitStoreStats } from './redis-store.ts';
export { registerLimitStoreMetrics } from './metrics.ts';
export { DEFAULT_LIMITS, DEFAULT_RULE, defaultLimitsFor, effectiveLimits } from './defaults.ts';
export type { DefaultLimit, DefaultLimits } from './defaults.ts';
export { DEFAULT_STORE_FAILURE_POLICY, limitVerdict } from './verdict.ts';
export type { LimitVerdict, StoreFailurePolicy } from './verdict.ts';
export { mostRestrictive, rateLimitHeaders } from './headers.ts';
export { parseWindow, planBuckets, MAX_WINDOW_MS } from './window.ts';
export { bucketKey, hashTag, storeKey } from './keys.ts';
export { createLimitStoreFromConfig } from './setup.ts';
