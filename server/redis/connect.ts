// The one place Leash creates Redis clients. `connectRedis(url)` accepts a single server
// (`redis://[user:pass@]host:port[/db]`, `rediss://` for TLS) or a Redis Cluster given by
// seed nodes (`redis+cluster://[user:pass@]h1:7000,h2:7001,...`, `rediss+cluster://`),
// and returns an ioredis `Redis` or `Cluster` with the options every store needs: no
// offline queue (a command to an unreachable store fails at once instead of waiting),
// no per-command retries, a command timeout, and reconnection in the background.
// `describeRedis` names the store for reasons and logs without the password.
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/** what connectRedis returns; both speak the same command API (a Cluster routes each command by its key) */
export type RedisClient = Redis | Cluster;

export interface ConnectRedisOptions {
  /** a command slower than this is rejected (default 500 ms) */
  readonly commandTimeoutMs?: number;
  /** a connection attempt slower than this fails (default 1,000 ms) */
  readonly connectTimeoutMs?: number;
  /** longest pause between reconnection attempts (default 1,000 ms) */
  readonly maxRetryDelayMs?: number;
  /** connect on the first command instead of at once (default false) */
  readonly lazyConnect?: boolean;
}

export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

export type ParsedRedisUrl =
  | { readonly kind: 'single'; readonly url: string; readonly node: RedisNode }
  | { readonly kind: 'cluster'; readonly nodes: readonly RedisNode[]; readonly tls: boolean; readonly username?: string; readonly password?: string };

const CLUSTER_SCHEME = /^(rediss?)\+cluster:\/\//i;

export function isClusterUrl(url: string): boolean {
  return CLUSTER_SCHEME.test(url);
}

/** Throws an Error whose message never contains the URL's password. */
export function parseRedisUrl(url: string): ParsedRedisUrl {
  const cluster = CLUSTER_SCHEME.exec(url);
  if (!cluster) {
    if (!/^rediss?:\/\/[^/]/i.test(url)) throw new Error('a Redis URL must be redis://HOST:PORT, rediss://HOST:PORT or redis+cluster://HOST:PORT,HOST:PORT,...');
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new Error('the Redis URL cannot be parsed (expected redis://[user:password@]HOST:PORT[/db])');
    }
    return { kind: 'single', url, node: { host: u.hostname, port: Number(u.port || 6379) } };
  }
  // new URL() does not take several hosts, so the seed list is split by hand
  let rest = url.slice(cluster[0].length);
  const cut = rest.search(/[/?#]/);
  if (cut >= 0) {
    if (!/^\/?$/.test(rest.slice(cut))) throw new Error('a Redis Cluster URL takes no database, path or options (Cluster has only database 0)');
    rest = rest.slice(0, cut);
  }
  let username: string | undefined;
  let password: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const auth = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = auth.indexOf(':');
    const user = decodeURIComponent(colon >= 0 ? auth.slice(0, colon) : '');
    const pass = decodeURIComponent(colon >= 0 ? auth.slice(colon + 1) : auth);
    if (user !== '') username = user;
    if (pass !== '') password = pass;
  }
  const nodes: RedisNode[] = [];
  for (const [i, part] of rest.split(',').entries()) {
    const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]@]+):([0-9]{1,5})$/.exec(part.trim());
    // the seed's text is not repeated: a mistyped URL may have a password in any place
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65_535) throw new Error(`Redis Cluster seed ${i + 1} of the URL is not HOST:PORT`);
    nodes.push({ host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) });
  }
  return { kind: 'cluster', nodes, tls: cluster[1]!.toLowerCase() === 'rediss', ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

/** 'redis HOST:PORT' or 'redis cluster H1:P1,H2:P2': for reasons and logs (never the password) */
export function describeRedis(url: string): string {
  try {
    const p = parseRedisUrl(url);
    if (p.kind === 'single') return `redis ${p.node.host}:${p.node.port}`;
    return `redis cluster ${p.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  } catch {
    return 'redis (unparseable URL)';
  }
}

export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/**
 * A client for `url`. Failures surface as rejected commands; attach an 'error' listener
 * (ioredis emits one per failed connection attempt). Throws on a malformed URL.
 */
export function connectRedis(url: string, options: ConnectRedisOptions = {}): RedisClient {
  const commandTimeout = options.commandTimeoutMs ?? 500;
  const connectTimeout = options.connectTimeoutMs ?? 1_000;
  const maxDelay = options.maxRetryDelayMs ?? 1_000;
  const lazyConnect = options.lazyConnect ?? false;
  const parsed = parseRedisUrl(url);
  const common: RedisOptions = { maxRetriesPerRequest: 0, commandTimeout, connectTimeout };
  if (parsed.kind === 'single') {
    return new Redis(url, {
      ...common,
      enableOfflineQueue: false,
      lazyConnect,
      // keep trying in the background; commands meanwhile fail fast
      retryStrategy: (times) => Math.min(50 * times, maxDelay),
    });
  }
  const clusterOptions: ClusterOptions = {
    enableOfflineQueue: false,
    lazyConnect,
    redisOptions: {
      ...common,
      ...(parsed.username ? { username: parsed.username } : {}),
      ...(parsed.password ? { password: parsed.password } : {}),
      ...(parsed.tls ? { tls: {} } : {}),
    },
    clusterRetryStrategy: (times) => Math.min(50 * times, maxDelay),
    // fail fast while a node is lost or the cluster is down (a decision must not wait for
    // a failover): the command is rejected and the store answers store_unavailable; the
    // client refreshes its slot map on MOVED and reconnects to a node that comes back
    retryDelayOnFailover: 0,
    retryDelayOnClusterDown: 0,
    slotsRefreshTimeout: connectTimeout,
    slotsRefreshInterval: 5_000,
  };
  const cluster = new Cluster(parsed.nodes.map((n) => ({ host: n.host, port: n.port })), clusterOptions);
  // ioredis opens a node's connection on its first command, and without an offline queue
  // it refuses commands to a node still connecting: open every node as soon as it is known
  cluster.on('+node', (node: Redis) => {
    if (node.status === 'wait') node.connect().catch(() => undefined);
  });
  return cluster;
}

/**
 * Resolves true once `client` can take commands (on a Cluster: the slot map is known and
 * every master's connection is open), false if not within `timeoutMs`. Never rejects.
 */
export async function whenReady(client: RedisClient, timeoutMs = 2_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  const ready = () => client.status === 'ready' && (!isCluster(client) || (client.nodes('master').length > 0 && client.nodes('master').every((n) => n.status === 'ready')));
  while (!ready()) {
    const left = until - Date.now();
    if (left <= 0) return false;
    await new Promise((resolve) => {
      const t = setTimeout(done, Math.min(left, 25));
      function done() {
        clearTimeout(t);
        client.off('ready', done);
        resolve(undefined);
      }
      client.once('ready', done);
    });
  }
  return true;
}
