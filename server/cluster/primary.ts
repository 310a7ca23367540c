// The `leash serve --workers N` primary: forks N workers (node:cluster; they share the
// listening ports, the primary hands out connections), sends each the resolved configuration,
// and from then on serves no requests itself. It forwards SIGHUP to every worker, drains them
// all on SIGINT/SIGTERM and exits 0 once they have exited, restarts a worker that dies (with
// backoff), and answers the workers' requests for the aggregated metrics of all of them.
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { AggregatorRegistry } from 'prom-client';
import type { LeashConfig } from '../config/index.ts';
import { randomSessionSecret } from '../mcp/session-binding.ts';
import { StartError } from '../server.ts';
import { isMessage, type ToPrimary, type ToWorker } from './messages.ts';
import { createPrimaryLog, type PrimaryLog } from './log.ts';

const WORKER_MAIN = fileURLToPath(new URL('./worker-main.mjs', import.meta.url));

/** How long workers get to finish in-flight requests before they are killed. */
export const DRAIN_TIMEOUT_MS = 30_000;
/** First restart delay after a crash; doubles per crash in a row, up to the maximum. */
const RESTART_MIN_MS = 100;
const RESTART_MAX_MS = 10_000;
/** A worker up this long counts as healthy again: its next crash restarts at the minimum delay. */
const HEALTHY_AFTER_MS = 10_000;

export interface StartedCluster {
  /** the base URL the workers listen on */
  readonly url: string;
  readonly adminUrl?: string;
  readonly workers: number;
}

interface Slot {
  readonly slot: number;
  worker?: Worker;
  startedAt: number;
  crashes: number;
  restartTimer?: NodeJS.Timeout;
}

/**
 * The configuration every worker gets. Each worker seals MCP session ids, and all must use
 * one secret, or a session opened through one worker would be refused by the next
 * (docs/mcp.md "Sessions"): without a configured one the primary makes it.
 */
export function configForWorkers(config: LeashConfig): LeashConfig {
  if (config.mcp.resourceBase === undefined || config.mcp.sessionSecret !== undefined) return config;
  return { ...config, mcp: { ...config.mcp, sessionSecret: randomSessionSecret() } };
}

export async function startCluster(config: LeashConfig, workers: number, log: PrimaryLog = createPrimaryLog(config.server.logLevel)): Promise<StartedCluster> {
  // The primary's registry asks each worker for its own (server/cluster/worker.ts installs the answer).
  const aggregator = new AggregatorRegistry();
  cluster.setupPrimary({ exec: WORKER_MAIN, args: [], execArgv: process.execArgv });
  const slots: Slot[] = Array.from({ length: workers }, (_, i) => ({ slot: i + 1, startedAt: 0, crashes: 0 }));
  let stopping = false;
  let started = false;

  const sendTo = (worker: Worker, message: ToWorker) => {
    if (worker.isConnected()) worker.send(message);
  };

  // Resolved once every worker of the first round listens; rejected by the first failure.
  let resolveStart!: (value: StartedCluster) => void;
  let rejectStart!: (err: Error) => void;
  const firstStart = new Promise<StartedCluster>((resolve, reject) => {
    resolveStart = resolve;
    rejectStart = reject;
  });
  const workerConfig = configForWorkers(config);
  let listening = 0;
  let firstUrl: { url: string; adminUrl?: string } | undefined;

  const fork = (s: Slot) => {
    const worker = cluster.fork();
    s.worker = worker;
    let failure: string | undefined;
    worker.on('message', (message: unknown) => {
      if (!isMessage<ToPrimary>(message)) return;
      switch (message.type) {
        case 'leash:hello':
          sendTo(worker, { type: 'leash:start', config: workerConfig, slot: s.slot, workers });
          return;
        case 'leash:listening':
          s.startedAt = Date.now();
          log.info({ worker: s.slot, worker_pid: worker.process.pid, url: message.url }, 'worker listening');
          if (!started) {
            firstUrl ??= { url: message.url, ...(message.adminUrl ? { adminUrl: message.adminUrl } : {}) };
            if (++listening === workers) {
              started = true;
              resolveStart({ ...firstUrl, workers });
            }
          }
          return;
        case 'leash:start-failed':
          failure = message.message;
          return;
        case 'leash:metrics-request':
          aggregator.clusterMetrics().then(
            (text) => sendTo(worker, { type: 'leash:metrics-response', id: message.id, text }),
            (err: Error) => sendTo(worker, { type: 'leash:metrics-response', id: message.id, error: err.message }),
          );
          return;
      }
    });
    worker.on('exit', (code, signal) => {
      if (s.worker === worker) s.worker = undefined;
      if (stopping) {
        // (a failed first start waits for its workers itself, then reports the failure)
        if (started && slots.every((x) => x.worker === undefined)) finishStop(0);
        return;
      }
      if (!started) {
        // the first start fails as a whole: a worker that cannot start means none will
        stopAll();
        rejectStart(new StartError(failure ?? `worker ${s.slot} exited (${signal ?? `code ${code}`}) before it listened`));
        return;
      }
      const lived = s.startedAt > 0 ? Date.now() - s.startedAt : 0;
      s.crashes = lived >= HEALTHY_AFTER_MS ? 1 : s.crashes + 1;
      s.startedAt = 0;
      const delay = Math.min(RESTART_MAX_MS, RESTART_MIN_MS * 2 ** (s.crashes - 1));
      log.error({ worker: s.slot, worker_pid: worker.process.pid, code, signal, ...(failure ? { reason: failure } : {}), restart_in_ms: delay }, 'worker exited; restarting it');
      s.restartTimer = setTimeout(() => {
        s.restartTimer = undefined;
        if (!stopping) fork(s);
      }, delay);
    });
  };

  let forceTimer: NodeJS.Timeout | undefined;
  const finishStop = (code: number) => {
    if (forceTimer) clearTimeout(forceTimer);
    log.info({ code }, 'all workers stopped');
    process.exit(code);
  };
  function stopAll(): void {
    stopping = true;
    for (const s of slots) {
      if (s.restartTimer) clearTimeout(s.restartTimer);
      s.restartTimer = undefined;
      if (s.worker) sendTo(s.worker, { type: 'leash:shutdown' });
    }
  }
  const onStop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    log.info({ signal, workers: slots.filter((s) => s.worker).length }, 'stopping: workers finish their in-flight requests');
    stopAll();
    if (slots.every((s) => s.worker === undefined)) return finishStop(0);
    forceTimer = setTimeout(() => {
      const left = slots.filter((s) => s.worker);
      log.error({ workers: left.map((s) => s.slot), timeout_ms: DRAIN_TIMEOUT_MS }, 'workers did not stop in time; killing them');
      for (const s of left) s.worker?.process.kill('SIGKILL');
      process.exit(1);
    }, DRAIN_TIMEOUT_MS);
  };
  process.on('SIGINT', onStop);
  process.on('SIGTERM', onStop);
  process.on('SIGHUP', () => {
    log.info({ workers: slots.filter((s) => s.worker).length }, 'SIGHUP: every worker reloads the bundle');
    for (const s of slots) if (s.worker) sendTo(s.worker, { type: 'leash:reload' });
  });

  for (const s of slots) fork(s);
  try {
    return await firstStart;
  } catch (err) {
    // wait for the others to go, so the caller's exit code is the last word
    await new Promise<void>((resolve) => {
      const check = () => (slots.every((s) => s.worker === undefined) ? resolve() : setTimeout(check, 20));
      check();
    });
    throw err;
  }
}
