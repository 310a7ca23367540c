// Finds and loads the `*.policy.test.ts` files under the roots: type-checked first (a claim
// the policy's type lacks is a leash_ts_error at its file:line:col), then imported; the
// default export must be policyTests(...). Also imports the policies, for the JS reference.
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { error, type Diagnostic } from '../../compiler/index.ts';
import type { Policy, PolicyTests } from '../../compiler/dsl/index.ts';
import { loadPolicyProject } from '../../compiler/extract/project.ts';
import { walkSourceFiles } from '../../compiler/source-files.ts';
import type { Suite } from './validate.ts';

export const TEST_SUFFIX = '.policy.test.ts';

export function findFiles(roots: readonly string[]): { tests: string[]; policies: string[]; diagnostics: Diagnostic[] } {
  const tests: string[] = [];
  const policies: string[] = [];
  const diagnostics = walkSourceFiles(roots, (f) => {
    if (f.endsWith(TEST_SUFFIX)) tests.push(f);
    else if (f.endsWith('.policy.ts')) policies.push(f);
  });
  return { tests, policies, diagnostics: [...diagnostics] };
}

const firstLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

export async function loadSuites(files: readonly string[]): Promise<{ suites: Suite[]; diagnostics: Diagnostic[] }> {
  if (files.length === 0) return { suites: [], diagnostics: [] };
  const root = process.cwd();
  const mine = new Set(files.map((f) => relative(root, resolve(f)).split('\\').join('/')));
  // the policies' own errors are the compiler's to report; here only the test files'
  const typed = loadPolicyProject(files, root).diagnostics.filter((d) => d.loc !== undefined && mine.has(d.loc.file));
  if (typed.length > 0) return { suites: [], diagnostics: typed };
  const suites: Suite[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const file of files) {
    let tests: unknown;
    try {
      tests = ((await import(pathToFileURL(resolve(file)).href)) as { default?: unknown }).default;
    } catch (err) {
      diagnostics.push(error('leash_test_load_error', `cannot load ${file}: ${firstLine(err)}`, { file, line: 1, col: 1 }));
      continue;
    }
    if (typeof tests !== 'object' || tests === null || (tests as PolicyTests).kind !== 'policy-tests') {
      diagnostics.push(error('leash_test_load_error', "the default export must be policyTests(policy, [...cases]) from 'leash'", { file, line: 1, col: 1 }));
      continue;
    }
    suites.push({ file, text: readFileSync(file, 'utf8'), tests: tests as PolicyTests });
  }
  return { suites, diagnostics };
}

export async function loadPolicies(files: readonly string[]): Promise<Policy[]> {
  const out: Policy[] = [];
  for (const f of files) out.push(((await import(pathToFileURL(resolve(f)).href)) as { default: Policy }).default);
  return out;
}
