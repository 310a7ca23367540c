// Redis connections for every Redis-backed store (limits, quarantine, the audit stream,
// kill switches): connectRedis / RedisClient, the password-free store description, and
// Cluster key slots.
export { connectRedis, describeRedis, isCluster, isClusterUrl, parseRedisUrl, whenReady } from './connect.ts';
export type { ConnectRedisOptions, ParsedRedisUrl, RedisClient, RedisNode } from './connect.ts';
export { keySlot, SLOT_COUNT } from './slot.ts';
