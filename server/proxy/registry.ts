// The upstream registry: declarations (from the bundle, or the configuration) plus
// per-environment overrides (base URL, sensitivity, streamed routes) plus the credentials
// loaded at start. A missing credential does not stop the server: the upstream is kept,
// reported as a warning, and answers 503 with the reason at call time.
import type { CredentialSource } from './credentials.ts';
import { readStreamRoutesList } from './overrides.ts';
import { scrubberFor, type Scrubber } from './scrub.ts';
import type { Secret } from './secret.ts';
import type { Injection, StreamRoute, Upstream, UpstreamDeclaration } from './types.ts';

export interface UpstreamOverride {
  readonly url?: string;
  readonly sensitive?: boolean;
  readonly streamRoutes?: readonly string[];
}

export interface RegistryReport {
  /** things an operator should fix; the server still starts (a missing credential, an unused override) */
  readonly warnings: readonly string[];
  /** configuration that cannot work (a bad base URL): the server refuses to start */
  readonly errors: readonly string[];
}

/** An upstream with what the forwarder needs at call time. */
export interface ReadyUpstream extends Upstream {
  readonly scrubber: Scrubber;
}

export interface UpstreamRegistry {
  get(name: string): ReadyUpstream | undefined;
  list(): readonly ReadyUpstream[];
  /** Swaps in a new bundle's declarations; credentials stay those loaded at start. */
  update(declarations: readonly UpstreamDeclaration[]): RegistryReport;
}

export interface RegistryOptions {
  readonly declarations: readonly UpstreamDeclaration[];
  readonly overrides?: Readonly<Record<string, UpstreamOverride>>;
  readonly credentials: CredentialSource;
}

export function createUpstreamRegistry(options: RegistryOptions): { readonly registry: UpstreamRegistry; readonly report: RegistryReport } {
  let current = new Map<string, ReadyUpstream>();
  const overrides = options.overrides ?? {};
  const build = (declarations: readonly UpstreamDeclaration[]): RegistryReport => {
    const warnings: string[] = [...options.credentials.warnings];
    const errors: string[] = [];
    const next = new Map<string, ReadyUpstream>();
    for (const declaration of declarations) {
      const built = buildUpstream(declaration, overrides[declaration.name], options.credentials);
      if (typeof built === 'string') errors.push(built);
      else {
        if (built.upstream.missingReason !== undefined) warnings.push(`upstream ${declaration.name}: ${built.upstream.missingReason}; its calls will answer 503`);
        warnings.push(...built.warnings);
        next.set(declaration.name, built.upstream);
      }
    }
    for (const name of Object.keys(overrides)) {
      if (!next.has(name)) warnings.push(`the configuration overrides upstream "${name}" but no policy declares it`);
    }
    current = next;
    return { warnings, errors };
  };
  const report = build(options.declarations);
  return {
    report,
    registry: {
      get: (name) => current.get(name),
      list: () => [...current.values()],
      update: build,
    },
  };
}

function buildUpstream(
  declaration: UpstreamDeclaration,
  override: UpstreamOverride | undefined,
  credentials: CredentialSource,
): { readonly upstream: ReadyUpstream; readonly warnings: string[] } | string {
  const where = override?.url !== undefined ? `the configured URL for upstream ${declaration.name}` : `upstream ${declaration.name} baseUrl`;
  const base = parseBaseUrl(override?.url ?? declaration.baseUrl, where);
  if (typeof base === 'string') return base;
  let streamRoutes: readonly StreamRoute[] = declaration.streamRoutes;
  if (override?.streamRoutes !== undefined) {
    const read = readStreamRoutesList(override.streamRoutes, `proxy.upstreams.${declaration.name}.streamRoutes`);
    if (typeof read === 'string') return read;
    streamRoutes = read;
  }
  const warnings: string[] = [];
  const resolved = credentials.resolve(declaration.credential);
  const common = {
    name: declaration.name,
    base,
    inject: declaration.inject,
    sensitive: override?.sensitive ?? declaration.sensitive,
    streamRoutes,
    credentialRef: declaration.credential,
  };
  if ('missing' in resolved) {
    return { upstream: { ...common, missingReason: resolved.missing, scrubber: scrubberFor([]) }, warnings };
  }
  const value = resolved.secret.reveal();
  if (value.length < 8) warnings.push(`upstream ${declaration.name}: the credential is shorter than 8 characters, so scrubbing it from responses may mask unrelated text`);
  return { upstream: { ...common, credential: resolved.secret, scrubber: scrubberFor(credentialForms(declaration.inject, resolved.secret)) }, warnings };
}

/** A base URL the proxy can stay under: http(s), no user info, query or fragment. */
function parseBaseUrl(text: string, where: string): URL | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `${where} is not a valid URL`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `${where} must be http or https`;
  if (url.username !== '' || url.password !== '') return `${where} must not hold a user name or password (use the credential reference)`;
  if (url.search !== '' || url.hash !== '') return `${where} must not have a query or fragment`;
  return url;
}

/** The Basic token for an injection, or undefined for other kinds. */
export function basicToken(inject: Injection, secret: Secret): string | undefined {
  if (inject.kind !== 'basic') return undefined;
  const value = secret.reveal();
  // Without a username the credential is `user:password`, or a bare key used as the user.
  const pair = inject.username !== undefined ? `${inject.username}:${value}` : value.includes(':') ? value : `${value}:`;
  return Buffer.from(pair, 'utf8').toString('base64');
}

/** Every string the credential travels as, for the response scrubber. */
function credentialForms(inject: Injection, secret: Secret): string[] {
  const forms = [secret.reveal()];
  const basic = basicToken(inject, secret);
  if (basic !== undefined) forms.push(basic);
  if (inject.kind === 'basic' && inject.username === undefined) {
    // `user:password`: the password alone is the secret part worth masking too.
    const value = secret.reveal();
    const colon = value.indexOf(':');
    if (colon !== -1 && value.length - colon - 1 >= 8) forms.push(value.slice(colon + 1));
  }
  return forms;
}
