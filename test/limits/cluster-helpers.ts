// Real Redis processes for the Cluster and durability tests: a three-master Redis Cluster
// on loopback ports (redis-server --cluster-enabled yes, joined with redis-cli --cluster
// create), and standalone servers with chosen persistence, each restartable on the same
// port and data directory. Every process is started here and killed by its handle.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const run = promisify(execFile);

async function canListen(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** a free port whose Cluster bus port (port + 10000) is free too */
export async function freeClusterPort(taken: Set<number> = new Set()): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const p = 20_000 + Math.floor(Math.random() * 30_000);
    if (taken.has(p) || taken.has(p + 10_000) || taken.has(p - 10_000)) continue;
    if ((await canListen(p)) && (await canListen(p + 10_000))) {
      taken.add(p);
      return p;
    }
  }
  throw new Error('no free port pair for a Redis Cluster node');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** PINGs until the server answers (or throws after ~5 s) */
async function waitForPing(port: number, password?: string): Promise<void> {
  const probe = new Redis({ port, host: '127.0.0.1', ...(password ? { password } : {}), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  probe.on('error', () => {}); // refused until the server is up: expected while polling
  try {
    for (let i = 0; i < 100; i++) {
      try {
        if (probe.status !== 'ready') await probe.connect();
        await probe.ping();
        return;
      } catch {
        await sleep(50);
      }
    }
    throw new Error(`redis-server on port ${port} did not answer`);
  } finally {
    probe.disconnect();
  }
}

export interface RedisProcess {
  readonly port: number;
  readonly url: string;
  /** SIGKILL: no shutdown save, like a crash */
  kill(): Promise<void>;
  /** starts it again with the same arguments, port and directory */
  start(): Promise<void>;
}

function redisProcess(port: number, args: string[], dir: string): RedisProcess {
  let child: ChildProcess | undefined;
  const handle: RedisProcess = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGKILL');
      });
    },
    async start() {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no', ...args], { cwd: dir, stdio: 'ignore' });
      const pass = args.indexOf('--requirepass');
      try {
        await waitForPing(port, pass >= 0 ? args[pass + 1] : undefined);
      } catch (err) {
        await handle.kill(); // never leave a server behind that no handle will stop
        throw err;
      }
    },
  };
  return handle;
}

export interface Standalone extends RedisProcess {
  /** kills it and removes its directory */
  stop(): Promise<void>;
}

/** a standalone redis-server; `aof`: appendonly yes with fsync on every write, else no persistence */
export async function startStandalone(aof: boolean, extraArgs: readonly string[] = []): Promise<Standalone> {
  const dir = mkdtempSync(join(tmpdir(), 'leash-redis-'));
  const port = await freeClusterPort();
  const persistence = aof ? ['--appendonly', 'yes', '--appendfsync', 'always', '--save', ''] : ['--appendonly', 'no', '--save', ''];
  const p = redisProcess(port, [...persistence, ...extraArgs], dir);
  try {
    await p.start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    ...p,
    async stop() {
      await p.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface LocalCluster {
  readonly nodes: readonly RedisProcess[];
  /** redis+cluster://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3 */
  readonly url: string;
  /** a plain client on one node (for CLUSTER and DBSIZE) */
  node(i: number): Redis;
  /** resolves once every live node reports cluster_state:ok */
  waitOk(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalCluster(size = 3): Promise<LocalCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'leash-cluster-'));
  const taken = new Set<number>();
  const ports: number[] = [];
  for (let i = 0; i < size; i++) ports.push(await freeClusterPort(taken));
  const nodes = ports.map((p) =>
    // a lost node is noticed by the others only after the node timeout; the tests restart
    // nodes well within it, so the cluster stays up for the other slots meanwhile
    redisProcess(p, ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${p}.conf`), '--cluster-node-timeout', '15000', '--save', '', '--appendonly', 'no'], dir),
  );
  const clients: Redis[] = [];
  const stop = async () => {
    for (const c of clients) c.disconnect();
    await Promise.all(nodes.map((n) => n.kill()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(nodes.map((n) => n.start()));
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    const node = (i: number) => {
      const c = new Redis({ port: ports[i]!, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: (n) => Math.min(50 * n, 500) });
      c.on('error', () => {}); // a node the test killed: its commands fail, which the test expects
      clients.push(c);
      return c;
    };
    const waitOk = async (timeoutMs = 10_000) => {
      const probes = ports.map((_, i) => node(i));
      const until = Date.now() + timeoutMs;
      try {
        for (;;) {
          const states = await Promise.all(probes.map((c) => c.cluster('INFO').then((s) => String(s), () => 'down')));
          if (states.every((s) => s.includes('cluster_state:ok'))) return;
          if (Date.now() > until) throw new Error(`cluster not ok: ${states.map((s) => /cluster_state:(\w+)/.exec(s)?.[1] ?? s).join(', ')}`);
          await sleep(100);
        }
      } finally {
        for (const c of probes) c.disconnect();
      }
    };
    await waitOk();
    return { nodes, url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`, node, waitOk, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
