// The compiler's public surface. Other areas (server, cli, test) import from here only.
export * from './diagnostics/index.ts';
export * from './contract.ts';
export { compile, resolveInputs, STAGES, type CompileOptions, type CompileResult, type CompiledFile, type StageName } from './pipeline.ts';
export { writeBundle, readBundle, bundleFiles, type Bundle, type BundleInput, type Manifest } from './bundle/index.ts';
export { evaluateReference, policyModel } from './dsl/reference.ts';
export type { ExtractedPolicy, TranslatedPolicy } from './extract/index.ts';
export type { Policy as DslPolicy, UpstreamMetadata, CredentialRef, Injection } from './dsl/index.ts';
export { DEFAULT_LIMITS } from './dsl/index.ts';
// The host builtins without the code generator: servers need them to load a policy.wasm,
// and compiler/wasm/index.ts would pull in binaryen (seconds of start-up) for nothing.
export { hostBuiltins, strictHostBuiltins } from './wasm/host-builtins.ts';
