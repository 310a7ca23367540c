// Redis connections for every Redis-backed store (limits, quarantine, the audit stream,
// kill switches, console sign-outs): connectRedis / RedisClient, the password-free store
// description, Cluster key slots, and the timer of the values every server mirrors.
export { connectRedis, describeRedis, isCluster, isClusterUrl, parseRedisUrl, whenReady } from './connect.ts';
export type { ConnectRedisOptions, ParsedRedisUrl, RedisClient, RedisNode } from './connect.ts';
export { keySlot, SLOT_COUNT } from './slot.ts';
export { mirrorEvery, type MirrorTimer } from './mirror.ts';
