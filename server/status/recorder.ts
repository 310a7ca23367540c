// The status recorder: what the status report (GET /admin/status, the status upload) and
// OPA-style health (/health?bundles, /health?plugins) are built from. Bundle events are
// pushed in (the engine's reload outcomes from app.ts; a bundle downloader may also say when
// it requested and downloaded), plugin states are either pushed (`setPlugin`) or probed on
// demand (`registerPlugin`). Nothing here does I/O; listeners hear about every pushed change.
import type { ReloadOutcome } from '../engine/index.ts';

export type PluginState = 'OK' | 'NOT_READY' | 'ERROR';

export interface PluginStatus {
  readonly state: PluginState;
  readonly message?: string;
}

export type PluginProbe = () => PluginStatus;

/** one bundle, in the shape of OPA's status API */
export interface BundleStatus {
  readonly name: string;
  readonly active_revision: string | null;
  readonly last_successful_activation: string | null;
  readonly last_successful_download?: string;
  readonly last_request?: string;
  readonly last_successful_request?: string;
  /** null while the last attempt succeeded */
  readonly code: string | null;
  readonly message: string | null;
  readonly errors: readonly string[];
}

export interface FailedActivation {
  readonly bundle: string;
  readonly at: string;
  readonly error: string;
  /** the revision that kept serving, if any */
  readonly serving_revision: string | null;
}

export interface StatusReport {
  readonly labels: { readonly id: string; readonly version: string; readonly app: 'leash' };
  readonly bundles: Readonly<Record<string, BundleStatus>>;
  readonly plugins: Readonly<Record<string, PluginStatus>>;
  /** Leash's own additions to OPA's report */
  readonly leash: {
    readonly last_failed_activation: FailedActivation | null;
    readonly activations: number;
    readonly failed_activations: number;
  };
}

export interface BundleFailure {
  /** default `bundle_error` */
  readonly code?: string;
  readonly message: string;
  readonly errors?: readonly string[];
}

export interface StatusRecorder {
  /** a download of the bundle was attempted (remote bundles) */
  bundleRequested(name: string, atMs?: number): void;
  /** a download succeeded (200 with a body, or 304 Not Modified) */
  bundleDownloaded(name: string, atMs?: number): void;
  /** a revision was activated: it serves from now on */
  bundleActivated(name: string, revision: string, atMs?: number): void;
  /** a download or an activation failed; the previous revision (if any) keeps serving */
  bundleFailed(name: string, failure: BundleFailure, servingRevision: string | null, atMs?: number): void;
  /** the engine's reload outcome (what app.ts passes from the engine's onChange) */
  recordReload(outcome: ReloadOutcome, options?: { readonly name?: string; readonly remote?: boolean; readonly atMs?: number }): void;
  /** a plugin whose state is read when a report or a health check asks */
  registerPlugin(name: string, probe: PluginProbe): void;
  /** a plugin that says when its state changes */
  setPlugin(name: string, status: PluginStatus): void;
  plugins(): Record<string, PluginStatus>;
  /** every known bundle has an active revision (false when no bundle is known yet) */
  bundlesActivated(): boolean;
  report(): StatusReport;
  /** called after every pushed change; returns the unsubscribe function */
  onChange(listener: () => void): () => void;
}

export interface RecorderOptions {
  readonly labels: { readonly id: string; readonly version: string };
  readonly now?: () => number;
}

/** the name the status report gives Leash's one policy bundle (as the audit events' `bundles`) */
export const DEFAULT_BUNDLE_NAME = 'leash';

interface MutableBundle {
  name: string;
  active_revision: string | null;
  last_successful_activation: string | null;
  last_successful_download?: string;
  last_request?: string;
  last_successful_request?: string;
  code: string | null;
  message: string | null;
  errors: readonly string[];
}

export function createStatusRecorder(options: RecorderOptions): StatusRecorder {
  const now = options.now ?? Date.now;
  const iso = (ms?: number) => new Date(ms ?? now()).toISOString();
  const bundles = new Map<string, MutableBundle>();
  const probes = new Map<string, PluginProbe>();
  const pushed = new Map<string, PluginStatus>();
  const listeners = new Set<() => void>();
  let lastFailed: FailedActivation | null = null;
  let activations = 0;
  let failedActivations = 0;

  const changed = () => {
    for (const l of [...listeners]) {
      try {
        l();
      } catch {
        // a listener's failure is its own business; the recorder keeps recording
      }
    }
  };

  function bundle(name: string): MutableBundle {
    let b = bundles.get(name);
    if (!b) {
      b = { name, active_revision: null, last_successful_activation: null, code: null, message: null, errors: [] };
      bundles.set(name, b);
    }
    return b;
  }

  function bundlePlugin(): PluginStatus {
    if (bundles.size === 0) return { state: 'NOT_READY', message: 'no bundle loaded yet' };
    const waiting = [...bundles.values()].filter((b) => b.active_revision === null);
    if (waiting.length > 0) return { state: 'NOT_READY', message: `not activated yet: ${waiting.map((b) => b.name).join(', ')}` };
    const failing = [...bundles.values()].filter((b) => b.code !== null);
    if (failing.length > 0) return { state: 'OK', message: `serving; the last reload of ${failing.map((b) => b.name).join(', ')} failed (see bundles)` };
    return { state: 'OK' };
  }

  const recorder: StatusRecorder = {
    bundleRequested(name, atMs) {
      bundle(name).last_request = iso(atMs);
      changed();
    },
    bundleDownloaded(name, atMs) {
      const b = bundle(name);
      const t = iso(atMs);
      b.last_successful_download = t;
      b.last_successful_request = t;
      changed();
    },
    bundleActivated(name, revision, atMs) {
      const b = bundle(name);
      b.active_revision = revision;
      b.last_successful_activation = iso(atMs);
      b.code = null;
      b.message = null;
      b.errors = [];
      activations++;
      changed();
    },
    bundleFailed(name, failure, servingRevision, atMs) {
      const b = bundle(name);
      const at = iso(atMs);
      b.code = failure.code ?? 'bundle_error';
      b.message = failure.message;
      b.errors = failure.errors ?? [failure.message];
      failedActivations++;
      lastFailed = { bundle: name, at, error: failure.message, serving_revision: servingRevision };
      changed();
    },
    recordReload(outcome, o = {}) {
      const name = o.name ?? DEFAULT_BUNDLE_NAME;
      const t = o.atMs ?? now();
      const b = bundle(name);
      // for a polled URL every outcome is one request; a load or "unchanged" means it answered
      if (o.remote) b.last_request = iso(t);
      switch (outcome.kind) {
        case 'loaded':
          if (o.remote) b.last_successful_download = b.last_successful_request = iso(t);
          recorder.bundleActivated(name, outcome.revision, t);
          return;
        case 'unchanged':
          if (o.remote) b.last_successful_request = iso(t);
          // a first load that found the same revision as nothing (cannot happen today) stays unactivated
          if (outcome.revision !== null && b.active_revision === null) recorder.bundleActivated(name, outcome.revision, t);
          else if (outcome.revision !== null && b.code !== null) {
            // the source is readable again and still holds the serving revision
            b.code = null;
            b.message = null;
            b.errors = [];
            changed();
          } else changed();
          return;
        case 'failed':
          recorder.bundleFailed(name, { message: outcome.reason }, outcome.serving, t);
          return;
        default: {
          const never: never = outcome;
          throw new Error(`unexpected reload outcome ${JSON.stringify(never)}`);
        }
      }
    },
    registerPlugin(name, probe) {
      probes.set(name, probe);
      changed();
    },
    setPlugin(name, status) {
      const before = pushed.get(name);
      pushed.set(name, status);
      if (before?.state !== status.state || before?.message !== status.message) changed();
    },
    plugins() {
      const out: Record<string, PluginStatus> = { bundle: bundlePlugin() };
      for (const [name, status] of pushed) out[name] = status;
      for (const [name, probe] of probes) {
        try {
          out[name] = probe();
        } catch (err) {
          out[name] = { state: 'ERROR', message: `status probe failed: ${(err as Error).message}` };
        }
      }
      return out;
    },
    bundlesActivated() {
      return bundles.size > 0 && [...bundles.values()].every((b) => b.active_revision !== null);
    },
    report() {
      const out: Record<string, BundleStatus> = {};
      for (const [name, b] of bundles) out[name] = { ...b, errors: [...b.errors] };
      return {
        labels: { id: options.labels.id, version: options.labels.version, app: 'leash' },
        bundles: out,
        plugins: recorder.plugins(),
        leash: { last_failed_activation: lastFailed, activations, failed_activations: failedActivations },
      };
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return recorder;
}
