// The compiler as one named, ordered list of stages. Policy sources and hand-written Rego
// go in; an OPA bundle (and every intermediate form, for --dump-after) comes out, with the
// diagnostics of every stage. Stages share data, never state; the order below is the order
// of the STAGES list, and each comment says why a stage sits where it does.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { error, hasErrors, type Diagnostic } from './diagnostics/index.ts';
import { DECISION_ENTRYPOINT } from './contract.ts';
import { checkModules, parseModule, printModule, type Module } from './rego/index.ts';
import type { ExtractedPolicy, LoweredPolicies } from './extract/index.ts';
import { writeBundle } from './bundle/index.ts';
import { walkSourceFiles } from './source-files.ts';
import type { ResourcesData } from './extract/reads.ts';

export const STAGES = [
  // 1. TypeScript first: a policy that does not type-check (a misspelt claim) must never
  //    reach translation, whose answers rely on the checker's types.
  'extract',
  // 2. Cross-policy checks need every policy extracted: unique rule, route and upstream names.
  'check',
  // 3. Lower the checked models to Rego ASTs (one module per policy plus the decision module).
  'lower',
  // 4. Print: the bundle carries Rego text, and what we ship is what we check next.
  'print',
  // 5. Parse the printed text together with hand-written .rego: from here on, generated and
  //    hand-written modules are the same thing, with locations in the .rego files.
  'parse',
  // 6. Check the whole module set the way OPA would before any code is generated.
  'check-rego',
  // 7. Prove every generated rule is guarded by its policy's appliesTo and its route, on the
  //    checked Rego we ship (a failure is a compiler bug, reported at the rule).
  'scope-check',
  // 8-9. Plan and emit wasm from checked Rego only (optional: --no-wasm skips both).
  'plan',
  'emit-wasm',
  // 10. Bundle last: it packs the outputs of the stages above, byte for byte reproducibly.
  'bundle',
] as const;

export type StageName = (typeof STAGES)[number];

export interface CompileOptions {
  /** Paths in diagnostics and in the bundle are relative to this (default: cwd). */
  readonly root?: string;
  /** Compile to policy.wasm (default true). */
  readonly wasm?: boolean;
  /** Stop after this stage and return its dump. */
  readonly dumpAfter?: StageName;
  /** Wasm entrypoints (`pkg/rule`) for hand-written Rego, as `opa build -t wasm -e`; default leash/decision when a policy is compiled. */
  readonly entrypoints?: readonly string[];
  /**
   * Also report warnings (a resource that reads the body, which /authz gateways cannot send).
   * Off by default so programmatic builds stay quiet; `leash check` turns it on.
   */
  readonly warnings?: boolean;
}

export interface CompiledFile {
  /** bundle path ('leash/decision.rego', 'data.json', 'policy.wasm') */
  readonly path: string;
  readonly content: string | Uint8Array;
}

export interface CompileResult {
  readonly diagnostics: readonly Diagnostic[];
  /** the files the bundle holds (so far, when stopped early) */
  readonly files: readonly CompiledFile[];
  /** the .tar.gz bytes, when the bundle stage ran */
  readonly bundle?: Uint8Array;
  /** the last stage that ran */
  readonly stoppedAfter: StageName | null;
  /** a readable form of what the stopped-after stage produced */
  readonly dump?: string;
  /**
   * What each resource reads of the request, keyed "<policy>/<route>" (also in data.json as
   * data.leash.resources), once the policies are extracted and checked.
   */
  readonly resources?: ResourcesData;
}

/**
 * Expand paths into `.policy.ts` and `.rego` files (folders recursively, sorted). `*_test.rego`
 * files (OPA's test convention, run by `leash test`) are left out of the bundle.
 */
export function resolveInputs(paths: readonly string[]): { policies: string[]; rego: string[]; diagnostics: Diagnostic[] } {
  const policies: string[] = [];
  const rego: string[] = [];
  const diagnostics = walkSourceFiles(paths, (p, named) => {
    if (p.endsWith('.policy.ts')) policies.push(p);
    else if (p.endsWith('_test.rego')) return;
    else if (p.endsWith('.rego')) rego.push(p);
    else if (named) diagnostics.push(error('leash_project_error', `${p} is neither a .policy.ts nor a .rego file`));
  });
  if (diagnostics.length === 0 && policies.length === 0 && rego.length === 0) {
    diagnostics.push(error('leash_project_error', `no .policy.ts or .rego files in ${paths.join(', ')}`));
  }
  return { policies, rego, diagnostics };
}

const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;

/** Run the stages in order; stop at the first stage with errors, or after `dumpAfter`. */
export async function compile(paths: readonly string[], options: CompileOptions = {}): Promise<CompileResult> {
  const root = path.resolve(options.root ?? process.cwd());
  const diagnostics: Diagnostic[] = [];
  const stop0 = (stage: StageName, dump: string): CompileResult => ({ diagnostics, files: [], stoppedAfter: stage, dump });
  const failed0 = (stage: StageName | null): CompileResult => ({ diagnostics, files: [], stoppedAfter: stage });

  const inputs = resolveInputs(paths.length > 0 ? paths : ['policies']);
  diagnostics.push(...inputs.diagnostics);
  if (hasErrors(diagnostics)) return failed0(null);

  // ts-morph and binaryen are large: load them only when compiling (not for every import of
  // the compiler's index, which the server also uses), and binaryen only when wasm is wanted.
  const { checkPolicies, extractPolicies, lowerPolicies } = await import('./extract/index.ts');
  const { bodyReadWarnings, denyFields, headerDenyWarnings, resourceReads } = await import('./extract/reads.ts');
  const { checkScoping, scopeExpectations, unusedPolicyRules } = await import('./extract/scope-check.ts');

  // extract
  const extracted = extractPolicies(inputs.policies, root);
  diagnostics.push(...extracted.diagnostics);
  if (hasErrors(diagnostics)) return failed0(null);
  const policies: readonly ExtractedPolicy[] = extracted.policies;
  if (options.dumpAfter === 'extract') return stop0('extract', json(policies));

  // check
  diagnostics.push(...checkPolicies(policies));
  if (hasErrors(diagnostics)) return failed0('extract');
  const resources = resourceReads(policies.map((p) => p.model));
  if (options.warnings === true) diagnostics.push(...bodyReadWarnings(policies.map((p) => p.model), resources), ...headerDenyWarnings(policies.map((p) => p.model)));
  // From here on every result says what the resources read.
  const stop = (stage: StageName, dump: string | undefined, files: readonly CompiledFile[] = []): CompileResult =>
    ({ diagnostics, files, stoppedAfter: stage, resources, ...(dump !== undefined ? { dump } : {}) });
  const failed = (stage: StageName | null, files: readonly CompiledFile[] = []): CompileResult => ({ diagnostics, files, stoppedAfter: stage, resources });
  if (options.dumpAfter === 'check') return stop('check', json(policies));

  // lower
  const lowered: LoweredPolicies | null = policies.length > 0 ? lowerPolicies(policies) : null;
  if (options.dumpAfter === 'lower') return stop('lower', json(lowered?.modules ?? []));

  // print
  const sources: { path: string; source: string; generated: boolean }[] = [];
  for (const m of lowered?.modules ?? []) sources.push({ path: m.path, source: printModule(m.module), generated: true });
  for (const file of inputs.rego) {
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch (e) {
      diagnostics.push(error('leash_project_error', `cannot read ${file}: ${(e as Error).message}`));
      continue;
    }
    sources.push({ path: bundlePathOf(file, root), source, generated: false });
  }
  if (hasErrors(diagnostics)) return failed('lower');
  const data = lowered ? { ...lowered.data, leash: { ...lowered.data.leash, resources, fields: denyFields(policies.map((p) => p.model)) } } : {};
  const regoFiles: CompiledFile[] = [
    { path: 'data.json', content: json(data) },
    ...sources.map((s) => ({ path: s.path, content: s.source })),
  ];
  if (options.dumpAfter === 'print') return stop('print', sources.map((s) => `# ---- ${s.path}\n${s.source}`).join('\n'), regoFiles);

  // parse
  const modules: Module[] = [];
  const generated: Module[] = [];
  for (const s of sources) {
    const r = parseModule(s.source, s.path);
    diagnostics.push(...r.diagnostics);
    if (r.module) modules.push(r.module);
    if (r.module && s.generated) generated.push(r.module);
  }
  if (hasErrors(diagnostics)) return failed('print', regoFiles);
  if (options.dumpAfter === 'parse') return stop('parse', json(modules.map((m) => ({ file: m.loc.file, package: m.package.path, rules: m.rules.length }))), regoFiles);

  // check-rego
  diagnostics.push(...checkModules(modules));
  if (hasErrors(diagnostics)) return failed('parse', regoFiles);
  if (options.dumpAfter === 'check-rego') return stop('check-rego', json(modules.map((m) => m.loc.file)), regoFiles);

  // scope-check: generated modules only; hand-written Rego is the author's own.
  const expectations = scopeExpectations(policies.map((p) => p.model));
  diagnostics.push(...checkScoping(generated, expectations));
  diagnostics.push(...unusedPolicyRules(modules.filter((m) => !generated.includes(m)), expectations));
  if (hasErrors(diagnostics)) return failed('check-rego', regoFiles);
  if (options.dumpAfter === 'scope-check') return stop('scope-check', json(generated.filter((m) => m.package.path[1] === 'policies').map((m) => ({ file: m.loc.file, package: m.package.path.join('.'), proven: 'every rule guarded by applies and its route' }))), regoFiles);

  // plan + emit-wasm (optional), only when a decision entrypoint exists
  let wasm: Uint8Array | undefined;
  const entrypoints = options.entrypoints ?? (lowered ? [DECISION_ENTRYPOINT] : []);
  if (options.wasm !== false && entrypoints.length > 0) {
    const { compileWasm, printPolicy } = await import('./wasm/index.ts');
    let planText: string | undefined;
    const r = compileWasm(modules, entrypoints, { onPlan: (p) => { planText = printPolicy(p); } });
    diagnostics.push(...r.diagnostics);
    if (options.dumpAfter === 'plan') return planText !== undefined ? stop('plan', planText, regoFiles) : failed('scope-check', regoFiles);
    if (hasErrors(diagnostics) || !r.wasm) return failed(planText !== undefined ? 'plan' : 'scope-check', regoFiles);
    wasm = r.wasm;
  } else if (options.dumpAfter === 'plan' || options.dumpAfter === 'emit-wasm') {
    diagnostics.push(error('leash_project_error', `--dump-after ${options.dumpAfter} needs the wasm stages (drop --no-wasm; a .policy.ts source provides the entrypoint)`));
    return failed('scope-check', regoFiles);
  }
  const files: CompiledFile[] = wasm ? [...regoFiles, { path: 'policy.wasm', content: wasm }] : regoFiles;
  if (options.dumpAfter === 'emit-wasm') return stop('emit-wasm', `policy.wasm: ${wasm?.length ?? 0} bytes\n`, files);

  // bundle
  const roots = new Set<string>(lowered ? ['leash'] : []);
  for (const m of modules) if (m.package.path[0] !== undefined) roots.add(m.package.path[0]);
  const bundle = await writeBundle({ modules: sources.map((s) => ({ path: s.path, source: s.source })), data, roots: [...roots], ...(wasm ? { wasm, wasmEntrypoints: entrypoints } : {}) });
  return { diagnostics, files, bundle, stoppedAfter: 'bundle', resources, ...(options.dumpAfter === 'bundle' ? { dump: `bundle: ${bundle.length} bytes\n` } : {}) };
}

/** Where a hand-written .rego file goes in the bundle: its path under the root. */
function bundlePathOf(file: string, root: string): string {
  const rel = path.relative(root, path.resolve(file)).split(path.sep).join('/');
  return rel.startsWith('..') ? path.basename(file) : rel;
}
