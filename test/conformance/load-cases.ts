// Loads OPA's Rego v1 conformance cases from ../shared/conformance/opa-v1 (read at test
// time, never copied into the repository). Shared by the Rego front-end and wasm runners.
// Each YAML file is parsed in YAML 1.1 mode, as OPA's Go loader reads them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export interface ConformanceCase {
  /** OPA's topic folder, e.g. `strings` */
  readonly topic: string;
  /** `<topic>/<file>` relative to the opa-v1 folder */
  readonly file: string;
  readonly note: string;
  readonly query: string;
  /** module sources; module i is conventionally named `test-<i>.rego` */
  readonly modules: readonly string[];
  readonly data?: unknown;
  readonly input?: unknown;
  /** the input as Rego term text, used instead of `input` */
  readonly input_term?: string;
  /** one binding map per solution; `[]` means undefined */
  readonly want_result?: readonly Record<string, unknown>[];
  readonly want_error_code?: string;
  readonly want_error?: string;
  readonly strict_error?: boolean;
  readonly sort_bindings?: boolean;
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The opa-v1 folder, or undefined when the shared cases are absent. */
export function conformanceDir(): string | undefined {
  const dir = resolve(REPO_ROOT, '..', 'shared', 'conformance', 'opa-v1');
  return existsSync(dir) ? dir : undefined;
}

/** Every case, in topic/file order; [] when the folder is absent. */
export function loadConformanceCases(dir = conformanceDir()): ConformanceCase[] {
  if (dir === undefined || !existsSync(dir)) return [];
  const cases: ConformanceCase[] = [];
  for (const topic of readdirSync(dir).sort()) {
    const topicDir = join(dir, topic);
    let files: string[];
    try {
      files = readdirSync(topicDir).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
    } catch {
      continue; // not a folder
    }
    for (const f of files) {
      const doc = parse(readFileSync(join(topicDir, f), 'utf8'), { version: '1.1' }) as { cases?: Record<string, unknown>[] } | null;
      for (const raw of doc?.cases ?? []) cases.push(toCase(topic, `${topic}/${f}`, raw));
    }
  }
  return cases;
}

function toCase(topic: string, file: string, raw: Record<string, unknown>): ConformanceCase {
  const c: Record<string, unknown> = {
    topic, file,
    note: String(raw['note'] ?? ''),
    query: String(raw['query'] ?? ''),
    modules: Array.isArray(raw['modules']) ? (raw['modules'] as unknown[]).map(String) : [],
  };
  for (const k of ['data', 'input', 'input_term', 'want_result', 'want_error_code', 'want_error', 'strict_error', 'sort_bindings']) {
    if (k in raw) c[k] = raw[k];
  }
  return c as unknown as ConformanceCase;
}
