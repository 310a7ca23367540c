// The authoring types of the DSL: what a policy file may say, typed from the agent's claims
// type `C` and each route template `T`, so a claim typo or an unknown route parameter is a
// TypeScript error. Values are plain data holding real arrow functions (see define.ts).
import type { AccessKind, LimitScope, Priority } from '../contract.ts';
import type { RouteParams } from './route.ts';

export type { AccessKind, LimitScope, Priority };

export type Method = 'GET' | 'HEAD' | 'OPTIONS' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export const READ_METHODS: readonly Method[] = ['GET', 'HEAD', 'OPTIONS'];
export const WRITE_METHODS: readonly Method[] = ['POST', 'PUT', 'PATCH', 'DELETE'];

/** JSON as it arrives in a request body or claim. */
export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json | undefined };
export type JsonObject = { readonly [key: string]: Json | undefined };

/** The task scope inside the claims (`task: {...}`), or null when the claims declare none. */
export type TaskOf<C> = C extends { readonly task: infer T } ? T : null;

/** The verified agent: identity fields the server fills in, and the typed claims. */
export interface Agent<C> {
  readonly id: string;
  readonly session: string;
  readonly key: string | null;
  readonly claims: C;
}

export interface RequestView {
  readonly method: string;
  /** the canonical path: percent-decoded segments joined by `/` */
  readonly path: string;
  /** the path exactly as received, without the query */
  readonly raw_path: string;
  /** the original host, normalised (lower-case, no trailing dot or default port), or null */
  readonly host: string | null;
  readonly query: QueryView;
  readonly headers: { readonly [name: string]: string | undefined };
  readonly body: Json;
}

export type QueryView = { readonly [name: string]: string | readonly string[] | undefined };

/** What every predicate, reason and cost function receives. */
export interface Ctx<C, T extends string> {
  readonly params: RouteParams<T>;
  readonly agent: Agent<C>;
  readonly task: TaskOf<C>;
  readonly request: RequestView;
  readonly query: QueryView;
  /** The parsed request body; a body that is not a JSON object has no fields (reading one is undecided, docs/dsl.md). */
  readonly body: JsonObject;
}

export type Predicate<C, T extends string> = (ctx: Ctx<C, T>) => boolean;
export type Reason<C, T extends string> = string | ((ctx: Ctx<C, T>) => string);

/** Allows one access kind on a route when `when` holds (always, when absent). */
export interface AllowRule<C, T extends string> {
  readonly when?: Predicate<C, T>;
  /** Said in the denial when the route matched but `when` did not hold. */
  readonly reason?: Reason<C, T>;
  /** Audit priority when this rule decides; default 'high' for writes, 'normal' for reads. */
  readonly priority?: Priority;
}

/** Denies whenever `when` holds; deny wins over every allow. */
export interface DenyRule<C, T extends string> {
  readonly when: Predicate<C, T>;
  readonly reason: Reason<C, T>;
  /** Only for this access kind; both when absent. */
  readonly access?: AccessKind;
  readonly priority?: Priority;
  /**
   * What kind of denial this rule makes (docs/dsl.md, "Decision classes"): 'business' (the
   * default: a rule about the request's content, such as an amount too large) or 'scope'
   * (the request is outside the agent's task; counts toward quarantine by default).
   */
  readonly class?: DenyClass;
}

/** The classes a deny rule can declare. */
export type DenyClass = 'scope' | 'business';

/** `'session'` is the session's lifetime; otherwise a window such as '60s', '15m', '1h', '1d'. */
export type Window = 'session' | `${number}s` | `${number}m` | `${number}h` | `${number}d`;

export interface Limit<C, T extends string> {
  readonly scope: LimitScope;
  readonly max: number;
  readonly window: Window;
  /** What one request consumes: a fixed weight, or computed from the request (a budget). Default 1. */
  readonly cost?: number | ((ctx: Ctx<C, T>) => number);
}

/** One list for every access kind, or separate read and write lists. */
export type Limits<C, T extends string> =
  | readonly Limit<C, T>[]
  | { readonly read?: readonly Limit<C, T>[]; readonly write?: readonly Limit<C, T>[] };

export interface ResourceSpec<C, T extends string> {
  /** Methods this route answers; all seven when absent. */
  readonly methods?: readonly Method[];
  /** Counts every method on this route as this access kind (e.g. a POST search is a read). */
  readonly access?: AccessKind;
  readonly read?: AllowRule<C, T>;
  readonly write?: AllowRule<C, T>;
  readonly deny?: { readonly [name: string]: DenyRule<C, T> };
  readonly limits?: Limits<C, T>;
}

export interface Resource<C, T extends string> extends ResourceSpec<C, T> {
  readonly kind: 'resource';
  readonly route: T;
}

/** Where the real credential comes from: never the value itself. */
export type CredentialRef = { readonly env: string } | { readonly secret: string };

/** How the proxy puts the credential on the forwarded request. */
export type Injection =
  | { readonly type: 'bearer' }
  /** The credential is `user:password`, or the password of `username`. */
  | { readonly type: 'basic'; readonly username?: string }
  | { readonly type: 'header'; readonly name: string; readonly prefix?: string }
  | { readonly type: 'query'; readonly name: string };

export interface UpstreamSpec<C> {
  readonly baseUrl: string;
  readonly credential: CredentialRef;
  readonly inject: Injection;
  /** Allowed calls, as routes over the upstream's own paths. */
  readonly routes: { readonly [name: string]: Resource<C, any> };
  /** Per-agent (or other scope) limits and budgets for every call through this upstream. */
  readonly limits?: Limits<C, string>;
  /**
   * The upstream moves money or sends messages: the proxy audits every call to it at high
   * priority and logs every denied call at warn level.
   */
  readonly sensitive?: boolean;
  /** Calls whose bodies the proxy streams without inspecting them, as "POST /v1/files" (`*` for any method); the prefix matches. */
  readonly streamRoutes?: readonly string[];
}

export interface Upstream<C> extends UpstreamSpec<C> {
  readonly kind: 'upstream';
}

// not distributive: a claim typed 'a' | 'b' accepts ['a', 'b'], not only lists of one literal
type ClaimValue<V> = [V] extends [string | number | boolean] ? V | readonly V[] : never;

/** Which agents a policy is for: every listed claim must equal the value (or one of the values). */
export type ClaimMatch<C> = { readonly [K in keyof C]?: ClaimValue<C[K]> };

type StringKeys<X> = { [K in keyof X]-?: X[K] extends string ? K : never }[keyof X] & string;

/** Where limit scope identities come from, when not from the server's defaults. */
export interface Identity<C> {
  /** The claim that identifies the API key (default: the server's `agent.key`). */
  readonly key?: StringKeys<C>;
  /** The task field that identifies the task, required for 'task'-scoped limits. */
  readonly task?: StringKeys<TaskOf<C>>;
}

/** The JSON type a tool argument must have (Rego's type_name). */
export type ArgType = 'string' | 'number' | 'boolean' | 'object' | 'array';
/** A tool's declared arguments: every one is required and of its type. */
export type ArgsSpec = { readonly [name: string]: ArgType };
type ArgValue<T> = T extends 'string' ? string : T extends 'number' ? number : T extends 'boolean' ? boolean : T extends 'array' ? readonly Json[] : JsonObject;
/** The arguments as predicates see them: typed from the declaration, checked before any predicate runs. */
export type ArgsOf<S extends ArgsSpec> = { readonly [K in keyof S]: ArgValue<S[K]> };

/** What a tool's predicates, reasons and costs receive: the request context plus `args` (the call's arguments). */
export interface ToolCtx<C, S extends ArgsSpec> extends Ctx<C, string> {
  readonly args: ArgsOf<S>;
}

/** An MCP tool an agent may call through the MCP gateway (docs/mcp.md). */
export interface ToolSpec<C, S extends ArgsSpec> {
  /** Whether a call reads or writes: writes get the write limits, high priority and immediate alerts. */
  readonly access: AccessKind;
  /** The arguments the tool takes; a call with another type, a missing one or an undeclared one is denied (unless extraArgs). */
  readonly args?: S;
  /** Let calls carry arguments that are not declared (default false: an undeclared argument is denied). */
  readonly extraArgs?: boolean;
  readonly when?: (ctx: ToolCtx<C, S>) => boolean;
  readonly reason?: string | ((ctx: ToolCtx<C, S>) => string);
  readonly priority?: Priority;
  readonly deny?: {
    readonly [name: string]: {
      readonly when: (ctx: ToolCtx<C, S>) => boolean;
      readonly reason: string | ((ctx: ToolCtx<C, S>) => string);
      readonly priority?: Priority;
      readonly class?: DenyClass;
    };
  };
  /** Per-tool limits and budgets (per session, agent, key or task). */
  readonly limits?: readonly Limit<C, string>[];
}

export interface Tool<C, S extends ArgsSpec = ArgsSpec> extends ToolSpec<C, S> {
  readonly kind: 'tool';
  /** The tool's name as the MCP server lists it */
  readonly name: string;
}

/** An MCP server reached through the MCP gateway, `POST /mcp/<name>` (docs/mcp.md). */
export interface McpServerSpec<C> {
  /** The server's streamable HTTP endpoint, https:// (http:// only for localhost) */
  readonly url: string;
  /** The credential the gateway adds to every forwarded request (never the agent's token); none when absent. */
  readonly credential?: CredentialRef;
  readonly inject?: Injection;
  /** The tools agents may call; every other tool is denied. */
  readonly tools: { readonly [name: string]: Tool<C, any> };
  /** Limits over every tool call to this server. */
  readonly limits?: Limits<C, string>;
  readonly sensitive?: boolean;
}

export interface McpServer<C> extends McpServerSpec<C> {
  readonly kind: 'mcp-server';
}

export interface PolicySpec<C> {
  /** Names the policy in rule ids, limit ids and the Rego package; kebab-case. */
  readonly name: string;
  readonly appliesTo: ClaimMatch<C>;
  readonly identity?: Identity<C>;
  /** Policy-wide limits per access kind; see DEFAULT_LIMITS for what applies when absent. */
  readonly limits?: { readonly read?: readonly Limit<C, string>[]; readonly write?: readonly Limit<C, string>[] };
  readonly resources?: { readonly [name: string]: Resource<C, any> };
  readonly upstreams?: { readonly [name: string]: Upstream<C> };
  /** MCP servers whose tool calls this policy decides (docs/mcp.md). */
  readonly mcp?: { readonly [name: string]: McpServer<C> };
  /** Deny rules over every request of the agents this policy applies to. */
  readonly deny?: { readonly [name: string]: DenyRule<C, string> };
}

export interface Policy<C = any> extends PolicySpec<C> {
  readonly kind: 'policy';
}

/** Upstream metadata the bundle carries in data.json at `leash.upstreams.<name>`: no secrets. */
export interface UpstreamMetadata {
  readonly name: string;
  readonly baseUrl: string;
  readonly credential: CredentialRef;
  readonly inject: Injection;
  /** present when true */
  readonly sensitive?: boolean;
  /** present when not empty */
  readonly streamRoutes?: readonly string[];
  /** The policy that declared it, and where. */
  readonly policy: string;
  readonly source: string;
}

/** MCP server metadata in data.json at `leash.mcp.<name>` (the MCP gateway's, never the credential proxy's): no secrets. */
export interface McpServerMetadata {
  readonly name: string;
  readonly url: string;
  /** null: the server is reached without a credential */
  readonly credential: CredentialRef | null;
  readonly inject: Injection;
  /** the tool names the policy declares for this server */
  readonly tools: readonly string[];
  readonly sensitive?: boolean;
  readonly policy: string;
  readonly source: string;
}
