// Builds the Fastify app from a validated configuration: logger with redaction, one error
// handler, the token verifier, the policy engine (first bundle loaded), the decision service,
// metrics, then one plugin per concern (routes; other areas add theirs through `plugins`).
// Listening is server.ts's job, so tests can build the app and listen on port 0.
import { Counter } from 'prom-client';
import { LEASH_VERSION } from './version.ts';
import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync, type FastifyServerOptions } from 'fastify';
import type { DestinationStream } from 'pino';
import type { LeashConfig } from './config/index.ts';
import type { DecisionObserver, LimitStore } from './contracts.ts';
import { toErrorBody, HttpError } from './errors.ts';
import { createKeySource, createVerifier, DEV_AUDIENCE, DEV_ISSUER, type KeySource } from './identity/index.ts';
import { createEngine, type BundleLoader, type BundleSource } from './engine/index.ts';
import { createDecisionService } from './decide/index.ts';
import { createMetrics } from './metrics/index.ts';
import { authzenRoutes, authzRoute, dataApiRoute, decideRoute, healthRoutes } from './routes/index.ts';
import { createLimitStoreFromConfig } from './limits/index.ts';
import { createObserverFromConfig, registerObserverMetrics } from './audit/index.ts';
import { adminRoutes, createAdminServer, createMemoryGuessLimiter, createRedisGuessLimiter, withGuessCounts } from './admin/index.ts';
import { createStatusRecorder, limitsStatusCallback, registerObserverProbes, startStatusUploader, type StatusRecorder, type StatusUploader } from './status/index.ts';
import { hostname } from 'node:os';
import { logRequestsAtDebug, loggerOptions, rateLimitedWarn } from './logging.ts';
import { loadBundleFile, withSignatureCheck } from './engine/bundle-loader.ts';
import { verificationFromConfig } from './engine/verification.ts';
import { remoteClientFromConfig } from './engine/remote-config.ts';
import type { RemoteClient } from './engine/remote.ts';
import { createBundleAlerter, fleetAlertClaim, redisAlertFleet, type BundleAlerter, type Notifier } from './alerts/index.ts';
import { evaluatorBundle, proxyRoutes, withBundleData } from './proxy/index.ts';
import { createMemoryKillSwitch, createRedisKillSwitch, type KillSwitchStore } from './alerts/index.ts';
import { createConsole, createInspectionLog, explain, policyView, withConsoleTap, type OperatorConsole } from './console/index.ts';
import { connectRedis, type RedisClient } from './redis/index.ts';
import { answerClientError } from './client-errors.ts';
import { httpTimeouts } from './http-timeouts.ts';
import { mcpRoutes } from './mcp/index.ts';

export interface AppDeps {
  /** the limit store (default: in-process memory) */
  readonly limits?: LimitStore;
  /** the decision observer (audit trail, alerts, quarantine) */
  readonly observer?: DecisionObserver;
  /** how bundle bytes become an evaluator (default: readBundle + opa-wasm) */
  readonly loadBundle?: BundleLoader;
  /** override the key source (default: from identity.jwks) */
  readonly keys?: KeySource;
  /** where logs go (default: stdout); tests capture it */
  readonly logStream?: DestinationStream;
  /** more plugins to register after the core routes (credential proxy, admin API...) */
  readonly plugins?: readonly FastifyPluginAsync[];
  readonly now?: () => number;
  /** where the credential proxy reads upstream credentials (default: process.env, once at start) */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** where bundle-rejection alerts go (default: the observer's notifier from the config) */
  readonly notifier?: Notifier;
}

export async function buildApp(config: LeashConfig, deps: AppDeps = {}): Promise<FastifyInstance> {
  // bundle signatures (docs/signing.md): the key is read before anything starts
  const verification = verificationFromConfig(config);
  // remote bundles (docs/remote-bundles.md): token and TLS files are read before anything starts
  const remote = remoteClientFromConfig(config);
  if (config.console.enabled && !config.admin.token) {
    throw new Error('console.enabled needs admin.token (LEASH_ADMIN_TOKEN): operators sign in to the console with it');
  }
  // the console's policy view reads each bundle as it loads (docs/console.md)
  const inspections = config.console.enabled ? createInspectionLog() : undefined;
  const app = Fastify({
    logger: loggerOptions(config.server.logLevel, deps.logStream),
    bodyLimit: config.server.bodyLimitBytes,
    // Wrong types are errors, not silently coerced or stripped.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true, useDefaults: false } },
    return503OnClosing: true,
    // Every decision is in the audit trail already; a log line per request is debug detail.
    logController: new LogController({ disableRequestLogging: true }),
    // the HTTP parser's refusals (oversized headers, not HTTP) in the server's error shape
    clientErrorHandler: answerClientError,
    // slow clients: the headers and the whole request each have a bound (408)
    ...httpTimeouts(config.server),
    // A request target the router cannot decode (bad %-escape, invalid UTF-8: /authz/<path>,
    // /proxy/...) never reaches a route. Refuse it with the canonical-path code and fixed
    // text: Fastify's own answer echoes the URL, query credentials included.
    frameworkErrors: (err, _req, generic) => {
      const reply = generic as unknown as { code(status: number): { send(body: unknown): void } };
      if (err.code === 'FST_ERR_BAD_URL') return reply.code(400).send({ code: 'non_canonical_path', message: 'the request target has a malformed percent-escape or invalid UTF-8' });
      const { status, body } = toErrorBody(err);
      return reply.code(status).send(body);
    },
  } satisfies FastifyServerOptions);
  logRequestsAtDebug(app);

  // JSON only (the forward-auth route accepts anything, in its own scope).
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((err, req, reply) => {
    const { status, body } = toErrorBody(err);
    if (status >= 500) {
      metrics.countError('http_5xx');
      req.log.error({ code: body.code, err_name: (err as Error).name, err_message: (err as Error).message }, 'request failed');
    } else {
      req.log.info({ code: body.code }, 'request rejected');
    }
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((req) => {
    throw new HttpError('not_found', `no route for ${req.method} on this path`);
  });

  const metrics = createMetrics();
  const identity = config.identity;
  const keys = deps.keys ?? (identity.jwks ? createKeySource(identity.jwks) : undefined);
  const verifierOptions = {
    ...(keys ? { keys } : {}),
    ...(identity.hsSecret ? { hsSecret: identity.hsSecret } : {}),
    algorithms: identity.algorithms,
    issuer: identity.issuer ?? (config.server.dev ? [DEV_ISSUER] : []),
    audience: identity.audience ?? (config.server.dev ? [DEV_AUDIENCE] : []),
    clockToleranceSeconds: identity.clockToleranceSeconds,
    maxLifetimeSeconds: identity.maxLifetimeSeconds,
    sessionClaim: identity.sessionClaim,
    keyClaim: identity.keyClaim,
    taskClaim: identity.taskClaim,
    maxTokenBytes: identity.maxTokenBytes,
    cacheSize: identity.cacheSize,
    ...(deps.now ? { now: deps.now } : {}),
  };
  const verifier = createVerifier(verifierOptions);

  // bundle activations and plugin states, for /health?bundles|plugins and /admin/status (docs/status.md)
  const status = createStatusRecorder({ labels: { id: `${hostname()}:${process.pid}`, version: LEASH_VERSION } });
  statusRecorders.set(app, status);
  let bundleAlerts: BundleAlerter | undefined;
  const engine = await createEngine({
    source: bundleSource(config, remote),
    load: withInspection(withBundleData(verification ? withSignatureCheck(deps.loadBundle ?? loadBundleFile, verification) : (deps.loadBundle ?? loadBundleFile)), inspections),
    log: app.log,
    onChange: (outcome) => {
      metrics.observeReload(outcome);
      // a bundle refused after the start (the first load decides whether the server starts)
      if (outcome.kind === 'failed' && bundleAlerts) bundleAlerts.rejected(config.bundle.path ?? remote?.shownUrl ?? 'bundle', outcome.reason, outcome.serving);
      status.recordReload(outcome, { remote: config.bundle.url !== undefined });
    },
  });

  // From here on a failure must not leave the bundle watcher (or a store) running.
  let limits: LimitStore | undefined;
  let observer: DecisionObserver | undefined;
  let admin: FastifyInstance | undefined;
  let uploader: StatusUploader | undefined;
  let shared: RedisClient | undefined;
  let killSwitch: KillSwitchStore | undefined;
  let operatorConsole: OperatorConsole | undefined;
  try {
    limits = deps.limits ?? (await createLimitStoreFromConfig(config, app.log, limitsStatusCallback(status, config.limits.redis !== undefined), metrics.registry));
    // kill switches, alert caps and digests, admin token guesses: fleet-wide in Redis when the limits are
    if (config.limits.redis) shared = connectRedis(config.limits.redis);
    shared?.on('error', () => undefined); // the stores report their own failures
    // audit trail, alerts and quarantine (Redis-backed when limits.redis is set)
    const alertFleet = shared ? redisAlertFleet(shared, config.limits.redisPrefix) : undefined;
    const observerSetup = deps.observer ? undefined : createObserverFromConfig(config, app.log, deps.now, metrics.registry, alertFleet);
    observer = deps.observer ?? observerSetup!.observer;
    // kill switches (docs/console.md)
    killSwitch = shared
      ? createRedisKillSwitch({ client: shared, prefix: config.limits.redisPrefix, onError: rateLimitedWarn(app.log, 'kill switch list could not be read from Redis; using the last one read') })
      : createMemoryKillSwitch();
    await killSwitch.ready();
    // wrong admin tokens per address, one count for the admin API and the console (the same
    // token opens both): fleet-wide with Redis, counted in metrics (docs/console.md)
    const guessCounts = new Counter({ name: 'leash_token_guesses_total', help: 'Wrong admin tokens presented (outcome wrong) and requests refused for too many of them (outcome refused)', labelNames: ['token', 'outcome'], registers: [metrics.registry] });
    const guesses = withGuessCounts(
      shared
        ? createRedisGuessLimiter({ client: shared, prefix: config.limits.redisPrefix, onError: rateLimitedWarn(app.log, 'wrong admin tokens could not be counted in Redis; counting in this process only') })
        : createMemoryGuessLimiter(),
      (outcome) => guessCounts.inc({ token: 'admin', outcome }),
    );
    if (config.console.enabled && observerSetup) {
      const setup = observerSetup;
      const source = config.bundle.path ?? remote?.shownUrl ?? 'bundle';
      operatorConsole = createConsole({
        token: config.admin.token!, sessionHours: config.console.sessionHours, registry: metrics.registry,
        quarantine: setup.quarantine, killSwitch, audit: setup.audit, labels: setup.labels,
        alerts: () => setup.notifier.deliveries(),
        policy: () => policyView({ evaluator: engine.current(), inspections: inspections!, status, source, ...(verification ? { verification } : {}) }),
        explain: (pasted) => explain(engine.current(), pasted, (deps.now ?? Date.now)(), config.bundle.evalTimeoutMs),
        ...(shared ? { redis: { client: shared, prefix: config.limits.redisPrefix } } : {}),
        log: app.log, guesses,
        ...(deps.now ? { now: deps.now } : {}),
      });
      observer = withConsoleTap(observer, operatorConsole.tap);
    }
    const alertNotifier = deps.notifier ?? observerSetup?.notifier;
    if (alertNotifier) {
      bundleAlerts = createBundleAlerter(alertNotifier, {
        ...(deps.now ? { now: deps.now } : {}),
        // one alert for the deployment, not one per worker and server
        ...(alertFleet ? { claim: fleetAlertClaim(alertFleet) } : {}),
      });
    }
    const decisionOptions = {
      policy: () => engine.current(),
      limits,
      observer,
      log: app.log,
      evalTimeoutMs: config.bundle.evalTimeoutMs,
      readsOnStoreUnavailable: config.limits.readsOnStoreUnavailable,
      request: config.request,
      listeners: [metrics.observeDecision],
      killSwitch,
      ...(deps.now ? { now: deps.now } : {}),
    };
    const decisions = createDecisionService({ ...decisionOptions, verifier });

    app.decorate('leash', { decisions, engine, metrics, config });
    const [openLimits, openObserver, openKill, openConsole, openShared] = [limits, observer, killSwitch, operatorConsole, shared];
    app.addHook('onClose', async () => {
      engine.close();
      // the console first: its last batch of decisions goes out before the shared client closes
      await openConsole?.close();
      await Promise.allSettled([openLimits.close(), openObserver.close(), openKill.close()]);
      openShared?.disconnect();
    });

    if (observerSetup) {
      const setup = observerSetup;
      registerObserverProbes(status, {
        auditSinks: () => setup.audit.stats(),
        allSinks: () => setup.observer.stats().sinks,
        alerts: () => setup.observer.stats().alerts,
        decisionLogsEnabled: Boolean((config as { decisionLogs?: { url?: string } }).decisionLogs?.url),
      });
    }
    await app.register(healthRoutes, { status });
    await app.register(decideRoute);
    await app.register(dataApiRoute);
    await app.register(authzRoute);
    // the OpenID AuthZEN evaluation API (docs/authzen.md)
    await app.register(authzenRoutes, config.authzen.token ? { token: config.authzen.token } : {});
    if (observerSetup) registerObserverMetrics(metrics.registry, observerSetup.observer);
    if (config.admin.token && observerSetup) {
      // on their own listener when server.adminPort is set (server.ts listens on it), else here
      if (config.server.adminPort !== undefined) {
        const own = createAdminServer({ log: app.log, bodyLimit: config.server.bodyLimitBytes, timeouts: config.server });
        admin = own;
        adminServers.set(app, own);
        // preClose: the admin listener (and its audit events) finish before the audit sinks close
        app.addHook('preClose', async () => own.close());
      }
      await (admin ?? app).register(adminRoutes, {
        token: config.admin.token, quarantine: observerSetup.quarantine, audit: observerSetup.audit, labels: observerSetup.labels, status, registry: metrics.registry, killSwitch, guesses,
        ...(deps.now ? { now: deps.now } : {}),
      });
    }
    if (config.status.service) {
      // registered first, so the very first report already lists the uploader
      status.registerPlugin('status', () => uploader?.plugin() ?? { state: 'OK', message: 'starting' });
      const started = startStatusUploader({ service: config.status.service, ...(config.status.token ? { token: config.status.token } : {}), intervalMs: config.status.intervalSeconds * 1000, status, log: app.log });
      uploader = started;
      app.addHook('preClose', async () => started.close());
    }
    // The credential proxy, ANY /proxy/{upstream}/... (docs/proxy.md).
    await app.register(proxyRoutes({
      settings: config.proxy, decisions, observer, bundle: () => evaluatorBundle(engine.current()),
      ...(identity.certThumbprintHeader ? { certThumbprintHeader: identity.certThumbprintHeader } : {}),
      ...(deps.env ? { env: deps.env } : {}),
    }));
    // The MCP gateway, POST|GET|DELETE /mcp/{server} (docs/mcp.md): tokens for each server's resource URI.
    if (config.mcp.resourceBase) {
      await app.register(mcpRoutes({
        settings: { ...config.mcp, resourceBase: config.mcp.resourceBase },
        verifier: verifierOptions, decisions: decisionOptions, evaluator: () => engine.current(), observer, killSwitch,
        env: deps.env ?? process.env, ...(config.proxy.secretsFile ? { secretsFile: config.proxy.secretsFile } : {}),
        issuers: identity.issuer ?? [], maxBodyBytes: config.server.bodyLimitBytes,
      }));
    }
    // the console on the admin listener when there is one (docs/console.md)
    if (operatorConsole) await operatorConsole.register(admin ?? app);
    for (const plugin of deps.plugins ?? []) await app.register(plugin);
  } catch (err) {
    engine.close();
    await Promise.allSettled([limits?.close(), observer?.close(), admin?.close(), uploader?.close(), killSwitch?.close(), operatorConsole?.close()]);
    shared?.disconnect();
    throw err;
  }
  return app;
}

const adminServers = new WeakMap<FastifyInstance, FastifyInstance>();
const statusRecorders = new WeakMap<FastifyInstance, StatusRecorder>();

/** the separate admin listener buildApp made (server.adminPort set), not yet listening */
export function adminServerOf(app: FastifyInstance): FastifyInstance | undefined {
  return adminServers.get(app);
}

/** the app's status recorder: what a bundle downloader reports requests and downloads to (docs/status.md) */
export function statusOf(app: FastifyInstance): StatusRecorder | undefined {
  return statusRecorders.get(app);
}

function withInspection(load: BundleLoader, inspections: ReturnType<typeof createInspectionLog> | undefined): BundleLoader {
  return inspections ? inspections.wrap(load) : load;
}

function bundleSource(config: LeashConfig, client?: RemoteClient): BundleSource {
  if (config.bundle.url) return { kind: 'url', url: config.bundle.url, pollSeconds: config.bundle.pollSeconds, ...(client ? { client } : {}) };
  if (config.bundle.path) return { kind: 'file', path: config.bundle.path, watch: config.bundle.watch };
  throw new Error('bundle.path: a bundle file or bundle.url is required');
}
