// The Redis Stream sink for deployments with several servers: one XADD per event (in one
// pipeline per batch) with an approximate MAXLEN cap, fields `event` (the JSON),
// `priority` and `decision_id` so consumers can filter without parsing. On a Redis Cluster
// the stream is one key, so a batch's pipeline goes to the one node that holds it.
import { connectRedis, type RedisClient } from '../../redis/index.ts';
import { auditLine } from '../event.ts';
import type { AuditSink } from '../sink.ts';

export interface RedisStreamSinkOptions {
  readonly url?: string;
  readonly client?: RedisClient;
  /** default 'leash:audit' */
  readonly stream?: string;
  /** approximate cap on the stream length (default 1,000,000) */
  readonly maxLen?: number;
}

export function createRedisStreamSink(options: RedisStreamSinkOptions): AuditSink {
  const stream = options.stream ?? 'leash:audit';
  const maxLen = options.maxLen ?? 1_000_000;
  const owned = !options.client;
  if (!options.client && !options.url) throw new Error('createRedisStreamSink needs a url or a client');
  const client = options.client ?? connectRedis(options.url!, { commandTimeoutMs: 2_000, maxRetryDelayMs: 2_000 });
  client.on('error', () => undefined); // failures surface as write errors, which the runner logs
  return {
    name: `redis-stream:${stream}`,
    async write(events) {
      const pipe = client.pipeline();
      for (const e of events) pipe.xadd(stream, 'MAXLEN', '~', maxLen, '*', 'event', auditLine(e), 'priority', e.priority, 'decision_id', e.decision_id);
      const results = (await pipe.exec()) ?? [];
      const err = results.find(([e]) => e)?.[0];
      if (err) throw err;
    },
    async close() {
      if (owned) client.disconnect();
    },
  };
}
