// Test helpers for the shared Redis on 127.0.0.1:6379: a unique key prefix per test run,
// cleanup of everything under it, and a throwaway redis-server on a free port for outage
// tests (the shared server is never stopped).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';

export const REDIS_URL = 'redis://127.0.0.1:6379';

export function uniquePrefix(area: string): string {
  return `leash-test:${area}:${process.pid}:${Date.now().toString(36)}:`;
}

export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/**
 * For a suite on the shared Redis: a key prefix of its own and a list for the clients it
 * opens; after the suite its keys are deleted and the clients closed.
 */
export function redisScratch(area: string): { prefix: string; clients: Redis[] } {
  const prefix = uniquePrefix(area);
  const clients: Redis[] = [];
  afterAll(async () => {
    const r = new Redis(REDIS_URL);
    await deleteKeys(r, prefix);
    r.disconnect();
    for (const c of clients) c.disconnect();
  });
  return { prefix, clients };
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface ThrowawayRedis {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

/** starts `redis-server` on `port` (a fresh free one by default) and waits until it answers */
export async function startRedisServer(port?: number): Promise<ThrowawayRedis> {
  const p = port ?? (await freePort());
  const child: ChildProcess = spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const probe = new Redis({ port: p, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  probe.on('error', () => {}); // refused until the server is up: expected while polling
  for (let i = 0; i < 100; i++) {
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  probe.disconnect();
  return {
    port: p,
    url: `redis://127.0.0.1:${p}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return; // already stopped
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      });
    },
  };
}
