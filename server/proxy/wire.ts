// Wires the proxy into the server: credentials loaded once at start (environment and the
// secrets file), the registry built from the serving bundle's upstream metadata plus the
// `proxy.*` settings, warnings logged at start, and the registry refreshed when a new bundle
// revision starts serving. `server/app.ts` registers the plugin this returns.
import type { FastifyInstance } from 'fastify';
import { readBundle } from '../../compiler/bundle/index.ts';
import type { DecisionObserver, DecisionService } from '../contracts.ts';
import { loadCredentials } from './credentials.ts';
import { readUpstreamDeclarations } from './metadata.ts';
import { mergeOverrides, parseUpstreamUrlFlags } from './overrides.ts';
import { proxyPlugin } from './plugin.ts';
import { createUpstreamRegistry, type UpstreamOverride } from './registry.ts';
import { DEFAULT_PROXY_LIMITS, type ProxyLimits } from './types.ts';

/** The `proxy` configuration section (all optional; limits fall back to the defaults). */
export interface ProxySettings extends Partial<ProxyLimits> {
  /** `name=url` pairs: per-environment base URLs (`--upstream-url`) */
  readonly upstreamUrls?: readonly string[];
  /** a JSON or YAML file of secret name → value, for `{ secret: NAME }` credentials */
  readonly secretsFile?: string;
  /** upstreams whose calls move money or send messages, in addition to the metadata flag */
  readonly sensitiveUpstreams?: readonly string[];
  /** `name METHOD /path-prefix` routes whose bodies are streamed, not inspected */
  readonly streamRoutes?: readonly string[];
}

export interface ProxyWiring {
  readonly settings: ProxySettings;
  readonly decisions: DecisionService;
  readonly observer?: DecisionObserver;
  /** the serving bundle's revision and data.json, when one is loaded */
  readonly bundle: () => { readonly revision: string; readonly data: unknown } | undefined;
  /** default process.env, read once when the plugin registers */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly certThumbprintHeader?: string;
}

/** The plugin for `app.register`; it throws (the server does not start) on unusable settings. */
export function proxyRoutes(wiring: ProxyWiring): (app: FastifyInstance) => Promise<void> {
  return async (app) => {
    const { settings } = wiring;
    const overrides = settingsOverrides(settings);
    const credentials = loadCredentials({ env: wiring.env ?? process.env, ...(settings.secretsFile ? { secretsFile: settings.secretsFile } : {}) });
    const first = wiring.bundle();
    const read = readUpstreamDeclarations(first?.data);
    const { registry, report } = createUpstreamRegistry({ declarations: read.declarations, overrides: overrides.overrides, credentials });
    const errors = [...overrides.errors, ...read.problems, ...report.errors];
    if (errors.length > 0) throw new Error(`credential proxy: ${errors.join('; ')}`);
    for (const warning of report.warnings) app.log.warn({ component: 'proxy' }, warning);
    app.log.info({ component: 'proxy', upstreams: registry.list().map((u) => ({ name: u.name, base: u.base.origin + u.base.pathname, ready: u.credential !== undefined })) }, 'credential proxy ready');

    let revision = first?.revision;
    const refresh = (): void => {
      const current = wiring.bundle();
      if (current === undefined || current.revision === revision) return;
      revision = current.revision;
      const next = readUpstreamDeclarations(current.data);
      // A new revision with broken upstream metadata keeps the previous upstreams serving.
      if (next.problems.length > 0) {
        app.log.error({ component: 'proxy', revision, problems: next.problems }, 'bundle upstream metadata rejected; keeping the previous upstreams');
        return;
      }
      const updated = registry.update(next.declarations);
      for (const warning of [...updated.warnings, ...updated.errors]) app.log.warn({ component: 'proxy', revision }, warning);
    };

    const limits: ProxyLimits = { ...DEFAULT_PROXY_LIMITS };
    for (const key of Object.keys(DEFAULT_PROXY_LIMITS) as (keyof ProxyLimits)[]) {
      const value = settings[key];
      if (typeof value === 'number') (limits as Record<keyof ProxyLimits, number>)[key] = value;
    }
    await app.register(proxyPlugin, {
      decisions: wiring.decisions,
      registry,
      limits,
      refresh,
      ...(wiring.observer ? { observer: wiring.observer } : {}),
      ...(wiring.certThumbprintHeader ? { certThumbprintHeader: wiring.certThumbprintHeader } : {}),
    });
  };
}

function settingsOverrides(settings: ProxySettings): { readonly overrides: Record<string, UpstreamOverride>; readonly errors: readonly string[] } {
  const urls = parseUpstreamUrlFlags(settings.upstreamUrls ?? []);
  const errors = [...urls.errors];
  const fromFile: Record<string, { sensitive?: boolean; streamRoutes?: string[] }> = {};
  for (const name of settings.sensitiveUpstreams ?? []) fromFile[name] = { ...(fromFile[name] ?? {}), sensitive: true };
  for (const entry of settings.streamRoutes ?? []) {
    const match = /^([a-z0-9][a-z0-9_-]*)\s+(.+)$/i.exec(entry.trim());
    if (!match) {
      errors.push(`proxy.streamRoutes: "${entry}" must look like "openai POST /v1/files"`);
      continue;
    }
    const name = match[1] ?? '';
    const existing = fromFile[name] ?? {};
    fromFile[name] = { ...existing, streamRoutes: [...(existing.streamRoutes ?? []), match[2] ?? ''] };
  }
  return { overrides: mergeOverrides(fromFile, urls.urls), errors };
}

/**
 * The serving evaluator's revision and data.json. The evaluator carries its data as
 * `data` when the bundle loader provides it; without it no upstream is declared.
 */
export function evaluatorBundle(evaluator: { readonly revision: string } | undefined): { readonly revision: string; readonly data: unknown } | undefined {
  if (evaluator === undefined) return undefined;
  return { revision: evaluator.revision, data: (evaluator as { readonly data?: unknown }).data };
}

type Loader = (bytes: Uint8Array, origin: string) => Promise<{ readonly revision: string }>;

/**
 * Wraps the server's bundle loader so the evaluator it returns also carries the bundle's
 * data.json (where the upstream metadata lives) as `data`, when the loader does not already
 * attach it. Reading the bundle a second time costs little and happens only on (re)load;
 * bytes that are not a bundle (test fixtures) leave the evaluator as it was.
 */
export function withBundleData<L extends Loader>(load: L): L {
  const wrapped = async (bytes: Uint8Array, origin: string) => {
    const evaluator = await load(bytes, origin);
    if ((evaluator as { readonly data?: unknown }).data !== undefined) return evaluator;
    let data: unknown;
    try {
      data = (await readBundle(bytes)).data;
    } catch {
      return evaluator;
    }
    // Keep the evaluator's prototype, in case it is a class instance.
    return Object.assign(Object.create(Object.getPrototypeOf(evaluator) as object) as object, evaluator, { data });
  };
  return wrapped as L;
}
