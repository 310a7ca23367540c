// The credential proxy's data model: how an upstream is declared (from the bundle's
// data.json or the configuration), how its credential is referenced and injected, and the
// proxy's size and time limits. Plain data; the registry turns declarations into upstreams.
import type { Secret } from './secret.ts';

/** Where the real credential comes from: never the value itself. */
export type CredentialRef =
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'secret'; readonly name: string };

/** How the real credential is put on the forwarded request. */
export type Injection =
  | { readonly kind: 'bearer' }
  /** HTTP Basic: the credential is the username (Stripe style) unless `username` is set, then it is the password */
  | { readonly kind: 'basic'; readonly username?: string }
  /** a named header, optionally with a prefix such as `Token ` */
  | { readonly kind: 'header'; readonly name: string; readonly prefix?: string }
  | { readonly kind: 'query'; readonly name: string };

/** A route whose request body the policy never sees: it is streamed, not inspected. */
export interface StreamRoute {
  /** upper-case method, or '*' */
  readonly method: string;
  /** an upstream-relative path prefix, such as `/v1/files` */
  readonly pathPrefix: string;
}

/** An upstream as a policy or the configuration declares it. */
export interface UpstreamDeclaration {
  readonly name: string;
  readonly baseUrl: string;
  readonly credential: CredentialRef;
  readonly inject: Injection;
  /** calls move money or send messages: their denials are high priority and alert at once */
  readonly sensitive: boolean;
  /** routes whose bodies are streamed without inspection (see docs/proxy.md) */
  readonly streamRoutes: readonly StreamRoute[];
}

/** An upstream ready to serve: its base URL after overrides and its loaded credential. */
export interface Upstream {
  readonly name: string;
  readonly base: URL;
  readonly inject: Injection;
  readonly sensitive: boolean;
  readonly streamRoutes: readonly StreamRoute[];
  readonly credentialRef: CredentialRef;
  /** absent when the credential could not be loaded: calls answer 503 with `missingReason` */
  readonly credential?: Secret;
  readonly missingReason?: string;
}

export interface ProxyLimits {
  /** largest body read into memory for the policy (JSON and form bodies) */
  readonly inspectBodyBytes: number;
  /** largest request body forwarded at all (streamed routes) */
  readonly maxBodyBytes: number;
  /** time to connect to the upstream */
  readonly connectTimeoutMs: number;
  /** time from sending the request to the upstream's response headers */
  readonly headersTimeoutMs: number;
  /** longest pause between two chunks of the upstream's response body */
  readonly bodyTimeoutMs: number;
  /** longest pause between two chunks of the agent's request body */
  readonly requestBodyTimeoutMs: number;
}

export const DEFAULT_PROXY_LIMITS: ProxyLimits = {
  inspectBodyBytes: 1024 * 1024,
  maxBodyBytes: 50 * 1024 * 1024,
  connectTimeoutMs: 5_000,
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 30_000,
  requestBodyTimeoutMs: 30_000,
};
