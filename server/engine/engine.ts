// Holds the serving policy revision and replaces it atomically. A reload reads the new
// bundle, builds a complete evaluator, and only then swaps one reference; a decision takes
// the reference once and uses it to the end, so no decision mixes revisions. A bundle that
// fails to load leaves the old revision serving and the reason is logged.
import { readFile, stat } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { PolicyEvaluator } from './evaluator.ts';
import type { RemoteClient } from './remote.ts';

export type BundleLoader = (bytes: Uint8Array, origin: string) => Promise<PolicyEvaluator>;

export type BundleSource =
  | { readonly kind: 'file'; readonly path: string; readonly watch: boolean }
  | { readonly kind: 'url'; readonly url: string; readonly pollSeconds: number; readonly client?: RemoteClient };

export type ReloadOutcome =
  | { readonly kind: 'loaded'; readonly revision: string; readonly previous: string | null }
  | { readonly kind: 'unchanged'; readonly revision: string | null }
  | { readonly kind: 'failed'; readonly reason: string; readonly serving: string | null };

export interface EngineLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface PolicyEngine {
  /** the serving evaluator, or undefined before the first bundle loaded */
  current(): PolicyEvaluator | undefined;
  /** reads the source again now (also what the watcher and the poller call) */
  reload(): Promise<ReloadOutcome>;
  /** how the load at start went (a failed first load leaves the engine not ready) */
  readonly firstLoad: ReloadOutcome;
  close(): void;
}

export interface EngineOptions {
  readonly source: BundleSource;
  readonly load: BundleLoader;
  readonly log: EngineLog;
  readonly onChange?: (outcome: ReloadOutcome) => void;
  /** for tests and custom transports; defaults to the global fetch */
  readonly fetch?: typeof fetch;
}

/** Creates the engine and performs the first load; the server is ready once it succeeds. */
export async function createEngine(options: EngineOptions): Promise<PolicyEngine> {
  let serving: PolicyEvaluator | undefined;
  let etag: string | undefined;
  let chain: Promise<ReloadOutcome> = Promise.resolve({ kind: 'unchanged', revision: null });
  let closed = false;
  const { source, log } = options;
  const client = source.kind === 'url' ? source.client : undefined;
  const origin = source.kind === 'file' ? source.path : (client?.shownUrl ?? source.url);
  /** the ETag of the bundle just downloaded: it becomes `etag` only once that bundle is activated */
  let pendingEtag: string | undefined;
  let failures = 0;

  async function readSource(): Promise<Uint8Array | 'not-modified'> {
    if (source.kind === 'file') return new Uint8Array(await readFile(source.path));
    if (client) {
      const got = await client.fetch(etag);
      if (got.kind === 'not-modified') return 'not-modified';
      pendingEtag = got.etag;
      return got.bytes;
    }
    const headers: Record<string, string> = etag ? { 'if-none-match': etag } : {};
    const res = await (options.fetch ?? fetch)(source.url, { headers, signal: AbortSignal.timeout(30_000) });
    if (res.status === 304) return 'not-modified';
    if (!res.ok) throw new Error(`GET ${source.url} answered ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    etag = res.headers.get('etag') ?? undefined;
    return bytes;
  }

  async function doReload(): Promise<ReloadOutcome> {
    let outcome: ReloadOutcome;
    try {
      const bytes = await readSource();
      if (bytes === 'not-modified') {
        outcome = { kind: 'unchanged', revision: serving?.revision ?? null };
      } else {
        const next = await options.load(bytes, origin);
        const previous = serving?.revision ?? null;
        if (previous === next.revision) {
          outcome = { kind: 'unchanged', revision: previous };
        } else {
          serving = next; // the one atomic step
          outcome = { kind: 'loaded', revision: next.revision, previous };
          log.info({ revision: next.revision, previous, bundle: origin }, 'policy bundle loaded');
        }
        if (client) {
          etag = pendingEtag;
          try {
            client.persist(bytes, etag);
          } catch (err) {
            log.error({ bundle: origin, reason: (err as NodeJS.ErrnoException).code ?? (err as Error).message }, 'the downloaded bundle could not be persisted; a restart needs the bundle service');
          }
        }
      }
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      outcome = { kind: 'failed', reason, serving: serving?.revision ?? null };
      log.error({ bundle: origin, reason, serving: serving?.revision ?? null }, 'policy bundle rejected; the previous revision keeps serving');
    }
    if (client) failures = outcome.kind === 'failed' ? failures + 1 : 0;
    options.onChange?.(outcome);
    return outcome;
  }

  // Reloads run one at a time, in order, so a slow old load never overwrites a newer one.
  const reload = (): Promise<ReloadOutcome> => {
    chain = chain.then(doReload, doReload);
    return chain;
  };

  // A remote bundle: the persisted copy of the last activated one serves first (checked like
  // any bundle), so a restart with the bundle service down still serves; then the download.
  let persistedLoad: ReloadOutcome | undefined;
  if (client) {
    const kept = client.persisted();
    if (kept) {
      try {
        const next = await options.load(kept.bytes, `${origin} (persisted copy)`);
        serving = next;
        etag = kept.etag;
        persistedLoad = { kind: 'loaded', revision: next.revision, previous: null };
        log.info({ revision: next.revision, bundle: origin }, 'persisted copy of the remote bundle loaded');
        options.onChange?.(persistedLoad);
      } catch (err) {
        log.error({ bundle: origin, reason: err instanceof Error ? err.message : String(err) }, 'persisted copy of the remote bundle rejected');
      }
    }
  }
  const downloaded = await reload();
  // serving from the persisted copy counts as a successful first load
  const firstLoad = downloaded.kind === 'failed' && persistedLoad ? persistedLoad : downloaded;

  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let debounce: NodeJS.Timeout | undefined;
  if (source.kind === 'file' && source.watch) {
    // Watch the folder, not the file: editors and `leash build` replace the file by rename.
    const name = basename(source.path);
    let lastStamp = await stamp(source.path);
    watcher = watch(dirname(source.path), (_event, file) => {
      if (closed || (file !== null && file !== name)) return;
      clearTimeout(debounce);
      debounce = setTimeout(() => {
        void stamp(source.path).then((s) => {
          if (closed || s === null || s === lastStamp) return;
          lastStamp = s;
          void reload();
        });
      }, 50);
    });
    watcher.on('error', (err) => log.error({ bundle: origin, reason: err.message }, 'bundle watcher failed; reload with SIGHUP'));
  }
  if (source.kind === 'url' && client) {
    const schedule = () => {
      if (closed) return;
      timer = setTimeout(() => void reload().then(schedule), client.nextDelayMs(failures));
      timer.unref();
    };
    schedule();
  } else if (source.kind === 'url') {
    timer = setInterval(() => void reload(), source.pollSeconds * 1000);
    timer.unref();
  }

  return {
    current: () => serving,
    reload,
    firstLoad,
    close() {
      closed = true;
      watcher?.close();
      clearInterval(timer);
      clearTimeout(timer);
      clearTimeout(debounce);
      void client?.close();
    },
  };
}

async function stamp(path: string): Promise<string | null> {
  try {
    const s = await stat(path);
    return `${s.mtimeMs}:${s.size}:${s.ino}`;
  } catch {
    return null;
  }
}
