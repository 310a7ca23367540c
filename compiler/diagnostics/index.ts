// One diagnostic type for every compiler stage: a code from the registry, a severity, a
// message and a source location. Stages collect diagnostics and return them; only internal
// bugs throw. Printed as `file:line:col: CODE: message` (see docs/errors.md).
export interface Loc {
  readonly file: string;
  readonly line: number; // 1-based
  readonly col: number; // 1-based, in UTF-16 code units of the line
}

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  readonly loc?: Loc;
}

/**
 * The registry of codes, grouped by the stage that reports them. Rego stages use OPA's own
 * code names so users (and OPA's conformance cases) recognise them; Leash's own stages use
 * `leash_<stage>_...`. Every code is documented in docs/errors.md.
 */
export const DIAGNOSTIC_CODES = {
  // policy project loading and TypeScript type checking (compiler/extract)
  leash_ts_error: 'TypeScript reported an error in a policy source',
  leash_project_error: 'a policy path could not be read, or holds no policy',
  // DSL extraction (compiler/extract)
  leash_dsl_unsupported: 'a construct the DSL translator does not support',
  leash_dsl_invalid: 'a policy definition is malformed (bad route, limit, upstream...)',
  // scoping proof over the generated Rego (compiler/extract/scope-check.ts): a compiler bug
  leash_scope_error: "internal compiler error: a generated rule is not guarded by its policy's appliesTo or its route",
  // a hand-written rule the decision never reads (compiler/extract/scope-check.ts)
  leash_rule_unused: 'a hand-written rule adds to a decision set of a package that is no policy of this bundle: it takes no part in leash/decision',
  // warnings about what a resource needs at decision time (compiler/extract/reads.ts)
  leash_reads_body: 'a resource reads the request body, which forward-auth gateways (/authz) cannot send',
  leash_deny_reads_header: 'a deny compares a request header, which a client can send twice to slip past it',
  // Rego front end (compiler/rego), OPA's codes
  rego_parse_error: 'the Rego source does not parse',
  rego_compile_error: 'OPA would reject the module at compile time',
  rego_unsafe_var_error: 'a variable is not bound by any positive expression',
  rego_recursion_error: 'rules depend on themselves',
  rego_type_error: 'a static type error, unknown function or wrong arity',
  // planner and wasm code generation (compiler/wasm)
  leash_plan_unsupported: 'a Rego construct the wasm planner does not support yet',
  leash_wasm_unknown_builtin: 'a builtin that is neither native nor provided by the host',
  // policy tests (cli/policy-tests): mistakes in a test file, found before any case runs
  leash_test_load_error: 'a policy test file cannot be loaded or does not export policyTests(...)',
  leash_test_unknown_policy: 'the policy a test file tests is not among the compiled policies',
  leash_test_unknown_rule: 'a test case expects a rule id no compiled policy has',
  leash_test_unknown_limit: 'a test case names a limit id no compiled policy has',
  leash_test_unknown_route: 'a test request matches no route of the policy under test, yet is not expected to be denied with no rule',
  leash_test_impossible: 'a test case expects an outcome no request can have, or a malformed times/after/used',
  leash_test_duplicate_name: 'two cases of one test file have the same name',
  // bundles (compiler/bundle)
  leash_bundle_error: 'a bundle is malformed or cannot be read',
} as const;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;

export function error(code: DiagnosticCode, message: string, loc?: Loc): Diagnostic {
  return loc ? { code, severity: 'error', message, loc } : { code, severity: 'error', message };
}

export function warning(code: DiagnosticCode, message: string, loc?: Loc): Diagnostic {
  return loc ? { code, severity: 'warning', message, loc } : { code, severity: 'warning', message };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** `file:line:col: CODE: message`; warnings say so before the code (`warning: CODE: message`). */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.loc ? `${d.loc.file}:${d.loc.line}:${d.loc.col}: ` : '';
  const sev = d.severity === 'warning' ? 'warning: ' : '';
  return `${where}${sev}${d.code}: ${d.message}`;
}

export function formatDiagnostics(ds: readonly Diagnostic[]): string {
  return ds.map(formatDiagnostic).join('\n');
}

/** Thrown only by stage drivers that must stop; carries the diagnostics, never a stack to users. */
export class CompileError extends Error {
  constructor(readonly diagnostics: readonly Diagnostic[]) {
    super(formatDiagnostics(diagnostics));
    this.name = 'CompileError';
  }
}
