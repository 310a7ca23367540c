// One `leash serve --workers N` worker: waits for its configuration from the primary, starts
// the same server a single process runs (listening on the port the workers share through
// node:cluster), then follows the primary: reload, drain and exit. The primary owns the
// lifecycle, so a terminal's SIGINT to the whole process group is handled once, by the primary.
import { AggregatorRegistry } from 'prom-client';
import type { LeashConfig } from '../config/index.ts';
import { setMetricsSource } from '../metrics/cluster.ts';
import { startServer, type StartedServer } from '../server.ts';
import { isMessage, type ToPrimary, type ToWorker } from './messages.ts';
import { workerPaths } from './paths.ts';

const METRICS_TIMEOUT_MS = 6_000;

let server: StartedServer | undefined;
let closing = false;
let nextMetricsId = 0;
const pendingMetrics = new Map<number, { resolve: (text: string) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>();

function send(message: ToPrimary): void {
  if (process.connected) process.send!(message);
}

/** Finish in-flight requests, close the stores and sinks, exit 0. */
async function drainAndExit(): Promise<void> {
  if (closing) return;
  closing = true;
  try {
    await server?.close();
  } finally {
    process.exit(0);
  }
}

function aggregatedMetrics(): Promise<string> {
  return new Promise((resolve, reject) => {
    const id = nextMetricsId++;
    const timer = setTimeout(() => {
      pendingMetrics.delete(id);
      reject(new Error('the primary did not answer with the workers\' metrics in time'));
    }, METRICS_TIMEOUT_MS);
    pendingMetrics.set(id, { resolve, reject, timer });
    send({ type: 'leash:metrics-request', id });
  });
}

async function start(config: LeashConfig, slot: number, workers: number): Promise<void> {
  try {
    server = await startServer(workerPaths(config, slot, workers), {}, { handleSignals: false });
  } catch (err) {
    // the primary prints the sentence and stops the start; no stack trace
    send({ type: 'leash:start-failed', message: err instanceof Error ? err.message : String(err) });
    process.exit(1);
  }
  // the primary's AggregatorRegistry asks every worker for this registry's metrics
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([server.app.leash.metrics.registry]);
  setMetricsSource(aggregatedMetrics);
  send({ type: 'leash:listening', url: server.url, ...(server.adminUrl ? { adminUrl: server.adminUrl } : {}) });
}

process.on('message', (message: unknown) => {
  if (!isMessage<ToWorker>(message)) return;
  switch (message.type) {
    case 'leash:start':
      void start(message.config, message.slot, message.workers);
      return;
    case 'leash:reload':
      void server?.app.leash.engine.reload();
      return;
    case 'leash:shutdown':
      void drainAndExit();
      return;
    case 'leash:metrics-response': {
      const waiting = pendingMetrics.get(message.id);
      if (!waiting) return;
      pendingMetrics.delete(message.id);
      clearTimeout(waiting.timer);
      if (message.text !== undefined) waiting.resolve(message.text);
      else waiting.reject(new Error(message.error ?? 'no metrics'));
      return;
    }
  }
});
// the primary is gone (killed, crashed): nobody will tell this worker to stop, so it drains now
process.on('disconnect', () => void drainAndExit());
// SIGINT/SIGTERM reach the workers too when sent to the process group: the primary decides
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
// a SIGHUP sent to the group (or to this worker) reloads like the primary's forwarded one
process.on('SIGHUP', () => void server?.app.leash.engine.reload());
send({ type: 'leash:hello' });
