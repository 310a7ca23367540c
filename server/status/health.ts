// OPA's health check semantics for GET /health: `bundles` (or `bundle`) asks that every bundle
// has been activated, `plugins` that every plugin is OK, `exclude-plugin=NAME` (repeatable)
// leaves a plugin out of the plugins check. A parameter given without a value counts as
// true, as in OPA. Healthy is 200 `{}`; unhealthy 500 `{ "error": ... }` with OPA's texts,
// plus, for plugins, the failing plugins' names and states (never their messages: /health
// is unauthenticated, the messages are in the admin status report).
import type { PluginState, StatusRecorder } from './recorder.ts';

export interface HealthQuery {
  readonly bundles: boolean;
  readonly plugins: boolean;
  readonly excluded: ReadonlySet<string>;
  /** true when the request asked for any of the OPA checks */
  readonly opa: boolean;
}

type QueryValue = string | readonly string[] | undefined;

/** OPA's getBoolParam: absent false; one empty value true; else true if any value is "true" */
function boolParam(v: QueryValue): boolean {
  if (v === undefined) return false;
  const list = typeof v === 'string' ? [v] : v;
  if (list.length === 1 && list[0] === '') return true;
  return list.some((x) => typeof x === 'string' && x.toLowerCase() === 'true');
}

export function parseHealthQuery(query: Readonly<Record<string, QueryValue>> | undefined): HealthQuery {
  const q = query ?? {};
  const bundles = boolParam(q['bundles']) || boolParam(q['bundle']);
  const plugins = boolParam(q['plugins']);
  const ex = q['exclude-plugin'];
  const excluded = new Set((ex === undefined ? [] : typeof ex === 'string' ? [ex] : ex).filter((s) => typeof s === 'string' && s !== ''));
  const opa = ['bundles', 'bundle', 'plugins', 'exclude-plugin'].some((k) => q[k] !== undefined);
  return { bundles, plugins, excluded, opa };
}

export type HealthAnswer =
  | { readonly status: 200; readonly body: Record<string, never> }
  | { readonly status: 500; readonly body: { readonly error: string; readonly plugins?: Readonly<Record<string, PluginState>> } };

export function checkHealth(status: StatusRecorder, q: HealthQuery): HealthAnswer {
  if (q.bundles && !status.bundlesActivated()) return { status: 500, body: { error: 'one or more bundles are not activated' } };
  if (q.plugins) {
    const failing: Record<string, PluginState> = {};
    for (const [name, s] of Object.entries(status.plugins())) {
      if (!q.excluded.has(name) && s.state !== 'OK') failing[name] = s.state;
    }
    if (Object.keys(failing).length > 0) return { status: 500, body: { error: 'one or more plugins are not up', plugins: failing } };
  }
  return { status: 200, body: {} };
}
