// The functions policy files call. Each returns its argument as frozen plain data with a
// `kind` tag; the typing (claims `C`, route template `T`) is what they add. The compiler
// reads these calls statically; the reference evaluator reads the returned values.
import type { ArgsSpec, Limit, McpServer, McpServerSpec, Policy, PolicySpec, Resource, ResourceSpec, Tool, ToolSpec, Upstream, UpstreamSpec } from './types.ts';

/** Declare a policy for agents whose verified claims have type `C`. One per file. */
export function definePolicy<C>(spec: PolicySpec<C>): Policy<C> {
  return Object.freeze({ kind: 'policy', ...spec });
}

/** A route template and its rules; `params` in predicates is typed from the template. */
export function resource<const T extends string, C>(route: T, spec: ResourceSpec<C, T>): Resource<C, T> {
  return Object.freeze({ kind: 'resource', route, ...spec });
}

/** A third-party API reached through the credential proxy. */
export function upstream<C>(spec: UpstreamSpec<C>): Upstream<C> {
  return Object.freeze({ kind: 'upstream', ...spec });
}

/** An MCP tool by the name its server lists; `args` declares (and types) its arguments. */
export function tool<const S extends ArgsSpec, C>(name: string, spec: ToolSpec<C, S>): Tool<C, S> {
  return Object.freeze({ kind: 'tool', name, ...spec });
}

/** An MCP server behind the MCP gateway, with the tools agents may call on it. */
export function mcpServer<C>(spec: McpServerSpec<C>): McpServer<C> {
  return Object.freeze({ kind: 'mcp-server', ...spec });
}

/**
 * Policy-wide limits used when a policy does not set its own (per access kind; `[]` turns
 * them off). Writes are stricter than reads: fewer per session and per minute.
 */
export const DEFAULT_LIMITS: { readonly read: readonly Limit<unknown, string>[]; readonly write: readonly Limit<unknown, string>[] } = {
  read: [
    { scope: 'session', max: 1000, window: 'session' },
    { scope: 'session', max: 120, window: '60s' },
  ],
  write: [
    { scope: 'session', max: 100, window: 'session' },
    { scope: 'session', max: 20, window: '60s' },
  ],
};
