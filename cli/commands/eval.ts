// `leash eval [paths...]`: one decision without a server. The request comes from a JSON file
// (a policy input, or `{ claims, method, path, query?, headers?, body?, upstream? }`) or from
// flags; it is canonicalised as the server does (a refused spelling prints the refusal), the
// compiled wasm decides with the real opa-wasm SDK, and for policy sources the plain-JS
// reference decides too: a difference is reported and exits 3. `--explain` adds what decided.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import type { Command } from 'commander';
import { compile, evaluateReference, formatDiagnostic, hasErrors, readBundle, type PolicyInput } from '../../compiler/index.ts';
import type { Policy } from '../../compiler/dsl/index.ts';
import { resolveInputs } from '../../compiler/pipeline.ts';
import { createWasmEvaluator } from '../../server/engine/evaluator.ts';
import { hostBuiltins } from '../../compiler/wasm/index.ts';
import { decideOffline, explanation, offlineInput, refusalAnswer, requestOf } from '../../server/decide/offline.ts';
import { guarded, type CommandIo } from './build.ts';

export interface EvalOptions {
  readonly input?: string;
  readonly bundle?: string;
  readonly claims?: string;
  readonly method?: string;
  readonly path?: string;
  readonly query?: string;
  readonly headers?: string;
  readonly body?: string;
  readonly upstream?: string;
  readonly explain?: boolean;
}

class UsageError extends Error {}

function json(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${what} is not valid JSON`);
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A full policy input as given, or one built from a request description the way the server builds it. */
function inputFrom(opts: EvalOptions): { input: PolicyInput } | { refusal: { code: string; reason: string } } {
  let spec: Record<string, unknown>;
  if (opts.input !== undefined) {
    const raw = json(opts.input === '-' ? readFileSync(0, 'utf8') : readFileSync(opts.input, 'utf8'), `--input ${opts.input}`);
    if (!isRecord(raw)) throw new UsageError(`--input ${opts.input} must hold a JSON object`);
    if (isRecord(raw['agent']) && isRecord(raw['request'])) return { input: raw as unknown as PolicyInput };
    spec = raw;
  } else {
    spec = {
      claims: opts.claims === undefined ? undefined : json(opts.claims, '--claims'),
      method: opts.method,
      path: opts.path,
      ...(opts.query !== undefined ? { query: json(opts.query, '--query') } : {}),
      ...(opts.headers !== undefined ? { headers: json(opts.headers, '--headers') } : {}),
      ...(opts.body !== undefined ? { body: json(opts.body, '--body') } : {}),
      ...(opts.upstream !== undefined ? { upstream: opts.upstream } : {}),
    };
  }
  const { claims, method, path } = spec;
  if (!isRecord(claims)) throw new UsageError('give the token claims: --claims \'{"role":"support",...}\' (or "claims" in --input)');
  if (typeof method !== 'string' || typeof path !== 'string') throw new UsageError('give the request: --method GET --path /customers/C-771/records/42 (or "method" and "path" in --input)');
  return offlineInput(claims, requestOf(spec, method, path));
}

/** The policies' values for the JS reference, or why they could not be loaded. */
async function referencePolicies(paths: readonly string[]): Promise<Policy[] | string> {
  const { policies, rego } = resolveInputs(paths.length > 0 ? paths : ['policies']);
  if (rego.length > 0) return 'hand-written Rego has no JavaScript reference';
  try {
    const out: Policy[] = [];
    for (const p of policies) out.push(((await import(pathToFileURL(resolve(p)).href)) as { default: Policy }).default);
    return out;
  } catch (err) {
    return `the policy files could not be loaded as JavaScript (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
  }
}

export async function runEval(paths: readonly string[], opts: EvalOptions, io: CommandIo): Promise<number> {
  let parsed: ReturnType<typeof inputFrom>;
  try {
    parsed = inputFrom(opts);
  } catch (err) {
    if (!(err instanceof UsageError) && !(err instanceof Error && 'code' in err && err.code === 'ENOENT')) throw err;
    io.err(`leash eval: ${err.message}`);
    return 2;
  }
  if ('refusal' in parsed) {
    io.out(JSON.stringify(refusalAnswer(parsed.refusal, opts.method ?? 'GET'), null, 2));
    return 0;
  }
  const { input } = parsed;
  let bytes: Uint8Array;
  if (opts.bundle !== undefined) {
    bytes = new Uint8Array(readFileSync(opts.bundle));
  } else {
    const result = await compile(paths);
    for (const d of result.diagnostics) io.err(formatDiagnostic(d));
    if (hasErrors(result.diagnostics) || !result.bundle) return 2;
    bytes = result.bundle;
  }
  const bundle = await readBundle(bytes);
  if (!bundle.wasm) {
    io.err('leash eval: the bundle has no policy.wasm');
    return 2;
  }
  const evaluator = await createWasmEvaluator({ revision: bundle.manifest?.revision ?? 'eval', wasm: bundle.wasm, data: bundle.data }, hostBuiltins as never);
  const answer = await decideOffline(evaluator, input);
  if ('problem' in answer) {
    io.err(`leash eval: policy error: ${answer.problem}`);
    return 2;
  }
  const evaluated = evaluator.evaluate(input);
  if (!evaluated.ok) return 2;
  // the policy's own decision, for the cross-check and the explanation
  const d = evaluated.decision;
  io.out(JSON.stringify(answer, null, 2));

  let code = 0;
  let agreement = 'not checked (--bundle: no policy sources)';
  if (opts.bundle === undefined) {
    const policies = await referencePolicies(paths);
    if (typeof policies === 'string') agreement = `not checked: ${policies}`;
    else {
      const ref = evaluateReference(policies, input);
      if (isDeepStrictEqual(JSON.parse(JSON.stringify(ref)), JSON.parse(JSON.stringify(d)))) agreement = 'the plain-JS reference gives the same decision';
      else {
        agreement = `DIFFERENT in the plain-JS reference: ${JSON.stringify(ref)}`;
        code = 3;
      }
    }
  }
  if (opts.explain || code !== 0) {
    for (const line of explanation(d, bundle.data)) io.err(line);
    io.err(`engines: ${agreement}`);
  }
  return code;
}

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description('one decision without a server: the compiled wasm, cross-checked with the JS reference')
    .argument('[paths...]', 'policy sources (default: policies/); or --bundle')
    .option('-i, --input <file>', 'a JSON policy input, or { claims, method, path, query?, headers?, body?, upstream? } (- for stdin)')
    .option('--bundle <file>', 'decide with a built bundle instead of compiling sources')
    .option('--claims <json>', 'the token claims, e.g. \'{"role":"support","client_id":"key-17","task":{...}}\'')
    .option('--method <method>', 'the request method')
    .option('--path <path>', 'the request path as the gateway received it (with ?query if any)')
    .option('--query <json>', 'query parameters as a JSON object')
    .option('--headers <json>', 'request headers as a JSON object')
    .option('--body <json>', 'the request body as JSON')
    .option('--upstream <name>', 'the credential-proxy upstream the call goes through')
    .option('--explain', 'say on stderr which rule, resources, reasons and limits decided')
    .action(async (paths: string[], opts: EvalOptions) => {
      process.exitCode = await guarded('eval', () => runEval(paths, opts, { out: (t) => console.log(t), err: (t) => console.error(t) }));
    });
}
