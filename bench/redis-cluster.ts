// Limit-store throughput, one Redis vs a three-master Redis Cluster (all on this machine):
// decisions per second through createRedisLimitStore with 64 decisions in flight, for a
// one-subject decision (session buckets only: one script call everywhere) and a
// three-subject decision (session, agent and key buckets: one call on one Redis, three
// parallel calls on the Cluster), plus the refusal path (a three-subject decision refused
// by one subject, so the other two are refunded). Median of several runs, printed as a
// Markdown section of bench/RESULTS.md ('redis-cluster', rewritten by each run), with the
// Redis CPU time per script call from INFO commandstats. Starts and stops its own
// redis-server processes.
// Usage: node --import ./bin/register.mjs bench/redis-cluster.ts [runs=5] [seconds=3]
import type { LimitRequest } from '../compiler/index.ts';
import { createRedisLimitStore, type RedisLimitStore } from '../server/limits/index.ts';
import { startLocalCluster, startStandalone } from '../test/limits/cluster-helpers.ts';
import { Redis } from 'ioredis';
import { describeMachine } from './lib/machine.ts';
import { writeSection } from './lib/results.ts';
import { median } from './lib/stats.ts';

const RUNS = Number(process.argv[2] ?? 5);
const SECONDS = Number(process.argv[3] ?? 3);
const IN_FLIGHT = 64;

type Shape = 'one subject' | 'three subjects' | 'three subjects, refused';

function buckets(shape: Shape, n: number): LimitRequest[] {
  const session = `s-${n % 50_000}`;
  const big = 1e12;
  const own: LimitRequest[] = [
    { id: 'bench.read/session', scope: 'session', key: session, max: big, window: 'session', cost: 1 },
    { id: 'bench.read/session/60s', scope: 'session', key: session, max: big, window: '60s', cost: 1 },
  ];
  if (shape === 'one subject') return own;
  const shared: LimitRequest[] = [
    { id: 'bench.read/agent', scope: 'agent', key: `bot-${n % 16}`, max: big, window: 'session', cost: 1 },
    { id: 'bench.read/key/60s', scope: 'key', key: `key-${n % 64}`, max: big, window: '60s', cost: 1 },
  ];
  // refused by the session's own bucket (max 0), after the shared ones consumed: they are refunded
  if (shape === 'three subjects, refused') return [...shared, { id: 'bench.read/blocked', scope: 'session', key: session, max: 0, window: 'session', cost: 1 }];
  return [...own, ...shared];
}

async function measure(store: RedisLimitStore, shape: Shape): Promise<number> {
  let done = 0;
  let n = 0;
  const until = Date.now() + SECONDS * 1000;
  const expires = Date.now() + 3_600_000;
  const worker = async () => {
    while (Date.now() < until) {
      const o = await store.consume({ buckets: buckets(shape, n++), nowMs: Date.now(), sessionExpiresAtMs: expires });
      if (o.kind === 'unavailable') throw new Error(o.reason);
      done++;
    }
  };
  const start = Date.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return (done * 1000) / (Date.now() - start);
}

const shapes: Shape[] = ['one subject', 'three subjects', 'three subjects, refused'];
const single = await startStandalone(false);
const cluster = await startLocalCluster(3);
const results = new Map<string, number[]>();
const usecPerCall = new Map<string, { calls: number; usec: number }>();
try {
  const stores = {
    'one Redis': createRedisLimitStore({ url: single.url, prefix: 'bench:', commandTimeoutMs: 5_000, resetCheckMs: 0 }),
    'Redis Cluster, 3 masters': createRedisLimitStore({ url: cluster.url, prefix: 'bench:', commandTimeoutMs: 5_000, resetCheckMs: 0 }),
  };
  for (const s of Object.values(stores)) if (!(await s.ready(5_000))) throw new Error('store not ready');
  for (const s of Object.values(stores)) for (const shape of shapes) await measure(s, shape); // warm-up pass
  for (let r = 0; r < RUNS; r++) {
    // interleaved, so a change in machine load hits every target alike
    for (const [name, s] of Object.entries(stores)) {
      for (const shape of shapes) {
        const key = `${name}|${shape}`;
        results.set(key, [...(results.get(key) ?? []), await measure(s, shape)]);
      }
    }
  }
  await Promise.all(Object.values(stores).map((s) => s.close()));
  // Redis's own time per script call, over everything above (fresh servers: nothing else ran on them)
  for (const [name, ports] of [['one Redis', [single.port]], ['Redis Cluster, 3 masters', cluster.nodes.map((n) => n.port)]] as const) {
    let calls = 0;
    let usec = 0;
    for (const port of ports) {
      const c = new Redis({ port, host: '127.0.0.1' });
      const info = await c.info('commandstats');
      c.disconnect();
      for (const m of info.matchAll(/^cmdstat_(evalsha|eval):calls=(\d+),usec=(\d+)/gm)) {
        calls += Number(m[2]);
        usec += Number(m[3]);
      }
    }
    usecPerCall.set(name, { calls, usec: usec / Math.max(1, calls) });
  }
} finally {
  await cluster.stop();
  await single.stop();
}

const m = describeMachine();
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const lines = [
  '## Limit store: one Redis vs Redis Cluster',
  '',
  `Generated by \`node --import ./bin/register.mjs bench/redis-cluster.ts ${RUNS} ${SECONDS}\` on ${new Date().toISOString()}. **Machine:** ${m.cores} cores, ${m.cpuModel}, Node ${m.node}, ${m.platform}; load average at the end ${m.loadAverage.join(' / ')} (other jobs shared the machine when it is high).`,
  '',
  `Decisions per second through \`createRedisLimitStore\` from one Node process, ${IN_FLIGHT} in flight, ${SECONDS} s per measurement, median of ${RUNS} interleaved runs (min–max); one redis-server, or a three-master Redis Cluster (\`--cluster-replicas 0\`), all on 127.0.0.1 without persistence, on the same machine as the client. Decisions: *one subject* = two session buckets (lifetime + 60 s), one script call on either store; *three subjects* = those plus an agent and an API-key bucket, one call on one Redis, three parallel calls on the Cluster; *refused* = agent and key buckets plus a session bucket of max 0, so the Cluster consumes two groups, refunds them and retries in the global order, where the session group comes first and refuses again (three round trips). Redis µs/call: Redis's own CPU time per script call (\`INFO commandstats\`, EVALSHA + EVAL, all masters).`,
  '',
  '| store | one subject | three subjects | three subjects, refused | Redis µs/call |',
  '| --- | --- | --- | --- | --- |',
];
for (const name of ['one Redis', 'Redis Cluster, 3 masters']) {
  const cells = shapes.map((shape) => {
    const xs = results.get(`${name}|${shape}`)!;
    return `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;
  });
  const u = usecPerCall.get(name);
  lines.push(`| ${name} | ${cells.join(' | ')} | ${u ? u.usec.toFixed(1) : '—'} |`);
}
lines.push(
  '',
  'Reading it: with one client process on a 2-core machine that also runs every Redis, the client is the bottleneck, and a Cluster decision over several subjects costs it one call per subject (and a refusal by some of its subjects three round trips: consume, refund, ordered retry), so one Redis is faster here. The Cluster pays off when many Leash processes share it: each master only carries the calls of its subjects, and Redis time per call stays about the same.',
);
const markdown = lines.join('\n');
console.log(markdown);
if (!process.argv.includes('--no-write')) writeSection({ name: 'redis-cluster', markdown });
