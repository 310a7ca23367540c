// What policy authors import as `leash`: the typed DSL (definePolicy, resource, upstream),
// its types, the defaults it documents, and toNumber (Rego's to_number, in plain JS).
// See docs/dsl.md for a tour.
export { definePolicy, mcpServer, resource, tool, upstream, DEFAULT_LIMITS } from './define.ts';
export { toNumber } from './to-number.ts';
export { policyTests } from './testing.ts';
export type { Expectation, PolicyTestCase, PolicyTests, Step, TestRequest } from './testing.ts';
export type {
  AccessKind, Agent, AllowRule, ArgsOf, ArgsSpec, ArgType, McpServer, McpServerSpec, Tool, ToolCtx, ToolSpec, ClaimMatch, CredentialRef, Ctx, DenyRule, Identity, Injection, Json, JsonObject,
  Limit, Limits, LimitScope, Method, Policy, PolicySpec, Predicate, Priority, Reason, RequestView, Resource,
  ResourceSpec, TaskOf, Upstream, UpstreamMetadata, UpstreamSpec, Window,
} from './types.ts';
export type { RouteParams } from './route.ts';
