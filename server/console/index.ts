// The operator console (docs/console.md): a page at /console, behind the admin token, that
// shows decisions live, the active sessions with their limits, the alerts with their
// delivery, the serving policy with a "why" tool and the decision charts, and lets an
// operator quarantine or release a session and stop an agent or a key fleet-wide.
// `createConsole` gives the decision tap (fed by the observer) and the Fastify plugin.
import { hostname } from 'node:os';
import type { Cluster, Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { DecisionObserver, DecisionRecord } from '../contracts.ts';
import type { AlertDelivery, KillSwitchStore, QuarantineStore } from '../alerts/index.ts';
import { createAdminAuditor, type AdminAuditWriter } from '../admin/audit.ts';
import type { TokenGuessLimiter } from '../admin/index.ts';
import { rateLimitedWarn } from '../logging.ts';
import { createConsoleAuth } from './auth.ts';
import { createChartSampler } from './charts.ts';
import { createLocalAlertFeed, createRedisAlertFeed, type AlertFeed } from './fleet-alerts.ts';
import { createFleetCharts, type ChartsView, type FleetCharts } from './fleet-charts.ts';
import { consoleRoutes } from './routes.ts';
import { createMemoryConsoleStore, createRedisConsoleStore, type ConsoleStore } from './store.ts';
import { createMemorySignOuts, createRedisSignOuts, type SignOuts } from './sign-outs.ts';
import { summarize, type DecisionSummary } from './summary.ts';

export { createInspectionLog, policyView, explain, type InspectionLog } from './policy-view.ts';
export { createConsoleAuth, COOKIE_NAME, CSRF_HEADER } from './auth.ts';
export { CONTENT_SECURITY_POLICY } from './routes.ts';
export type { DecisionSummary } from './summary.ts';
export type { AlertsView, ServerAlert } from './fleet-alerts.ts';
export type { ChartsView } from './fleet-charts.ts';
export type { ConsoleStore, SessionView } from './store.ts';

export interface ConsoleOptions {
  readonly token: string;
  readonly sessionHours: number;
  readonly registry: Registry;
  readonly quarantine: QuarantineStore;
  readonly killSwitch: KillSwitchStore;
  readonly audit?: AdminAuditWriter;
  readonly labels?: Readonly<Record<string, string>>;
  /** this server's alerts with their delivery (the notifier's journal); the fleet's come from Redis */
  readonly alerts: () => readonly AlertDelivery[];
  readonly policy: () => unknown;
  readonly explain: (pasted: unknown) => Promise<unknown>;
  /** shared state across servers; memory when absent */
  readonly redis?: { readonly client: Redis | Cluster; readonly prefix: string };
  readonly log: { warn(obj: object, msg: string): void };
  readonly now?: () => number;
  /** wrong admin tokens per address, shared with the admin API (default: the console's own) */
  readonly guesses?: TokenGuessLimiter;
}

export interface OperatorConsole {
  /** hands one finished decision to the console (returns at once) */
  tap(record: DecisionRecord): void;
  register(app: FastifyInstance): Promise<void>;
  close(): Promise<void>;
}

/** decisions reach the store in batches this often: the live view lags by at most this */
const FLUSH_MS = 200;
/** at most this many decisions per batch reach the console (5,000/s); the rest are counted */
const MAX_PER_BATCH = 1_000;

export function createConsole(options: ConsoleOptions): OperatorConsole {
  const now = options.now ?? Date.now;
  const server = `${hostname()}:${process.pid}`;
  const onError = rateLimitedWarn(options.log, 'console: shared store unreachable; showing this server only');
  const redis = options.redis;
  const store: ConsoleStore = redis ? createRedisConsoleStore({ client: redis.client, prefix: redis.prefix, onError }) : createMemoryConsoleStore();
  // a sign-out on one worker or server holds on all of them (sign-outs.ts)
  const signOuts: SignOuts = redis
    ? createRedisSignOuts({ client: redis.client, prefix: redis.prefix, now, onError: rateLimitedWarn(options.log, 'console: sign-outs could not be read from Redis; using the ones last read') })
    : createMemorySignOuts();
  // alerts and charts are made per process: with Redis, the console adds up every server's
  const alerts: AlertFeed = redis
    ? createRedisAlertFeed({ client: redis.client, prefix: redis.prefix, server, local: options.alerts, onError: rateLimitedWarn(options.log, 'console: alerts could not be shared through Redis; showing this server\'s') })
    : createLocalAlertFeed(options.alerts, server);
  const fleetCharts: FleetCharts | undefined = redis
    ? createFleetCharts({ client: redis.client, prefix: redis.prefix, now, onError: rateLimitedWarn(options.log, 'console: charts could not be shared through Redis; showing this server\'s') })
    : undefined;
  const charts = createChartSampler(options.registry, { now, ...(fleetCharts ? { onInterval: fleetCharts.record } : {}) });
  const chartsView = (): Promise<ChartsView> => (fleetCharts ? fleetCharts.view(charts.points) : Promise.resolve({ points: charts.points(), scope: 'server' }));
  let pending: DecisionSummary[] = [];
  let dropped = 0;
  let lastDropWarn = -Infinity;
  const flush = () => {
    if (dropped > 0 && now() - lastDropWarn >= 10_000) {
      lastDropWarn = now();
      options.log.warn({ dropped }, 'console: decisions over 5,000/s are not shown (the audit trail has them all)');
      dropped = 0;
    }
    if (pending.length === 0) return Promise.resolve();
    const batch = pending;
    pending = [];
    return store.publish(batch).catch(onError);
  };
  const timer = setInterval(() => void flush(), FLUSH_MS);
  timer.unref();
  const auditor = options.audit ? createAdminAuditor({ audit: options.audit, ...(options.labels ? { labels: options.labels } : {}), now }) : undefined;

  return {
    tap(record) {
      // the credential proxy's second event for a call (the upstream's answer) is not a new decision
      if (record.upstreamCall) return;
      if (pending.length >= MAX_PER_BATCH) {
        dropped++;
        return;
      }
      pending.push(summarize(record, server));
    },
    async register(app) {
      // a cookie signed out elsewhere is refused from the first request on
      await signOuts.ready();
      await app.register(consoleRoutes, {
        auth: createConsoleAuth({ token: options.token, sessionMs: options.sessionHours * 3_600_000, signOuts, ...(options.guesses ? { guesses: options.guesses } : {}) }),
        store, quarantine: options.quarantine, killSwitch: options.killSwitch, charts: chartsView,
        alerts: alerts.view, policy: options.policy, explain: options.explain,
        ...(auditor ? { auditor } : {}), now,
      });
    },
    async close() {
      clearInterval(timer);
      charts.close();
      await flush();
      await alerts.close();
      await fleetCharts?.close();
      auditor?.close();
      await signOuts.close();
      await store.close();
    },
  };
}

/** the observer, with every record also handed to the console */
export function withConsoleTap<O extends DecisionObserver>(observer: O, tap: (record: DecisionRecord) => void): O {
  const wrapped = Object.create(observer) as O;
  wrapped.record = (record: DecisionRecord) => {
    observer.record(record);
    try {
      tap(record);
    } catch {
      // the console is a view: it never fails a decision
    }
  };
  return wrapped;
}
