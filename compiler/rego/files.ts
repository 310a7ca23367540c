// Rego files on disk: find `.rego` files under the given paths, parse and check them as
// one set (as a bundle is compiled), and format them. Used by `leash check` and `leash fmt`.
import { readFileSync } from 'node:fs';
import { error, type Diagnostic } from '../diagnostics/index.ts';
import type { Module } from './ast.ts';
import { checkModules } from './check.ts';
import { parseModule } from './parse-module.ts';
import { printModule } from './print.ts';
import { walkSourceFiles } from '../source-files.ts';

/** Every `.rego` file named or found (recursively, sorted) under the given paths. */
export function findRegoFiles(paths: readonly string[]): { files: string[]; diagnostics: Diagnostic[] } {
  const files: string[] = [];
  const diagnostics = walkSourceFiles(paths, (p, named) => {
    if (named || p.endsWith('.rego')) files.push(p);
  });
  return { files, diagnostics };
}

export interface RegoCheckResult {
  readonly files: string[];
  readonly modules: Module[];
  readonly diagnostics: Diagnostic[];
}

/** Parse and check `.rego` files and folders together; diagnostics carry file:line:col. */
export function checkRegoFiles(paths: readonly string[]): RegoCheckResult {
  const { files, diagnostics } = findRegoFiles(paths);
  const modules: Module[] = [];
  for (const file of files) {
    const r = parseRegoFile(file);
    diagnostics.push(...r.diagnostics);
    if (r.module) modules.push(r.module);
  }
  // Check only a set that parsed whole: a missing module would show up as false errors.
  if (modules.length === files.length) diagnostics.push(...checkModules(modules));
  return { files, modules, diagnostics };
}

/** Check Rego sources held in memory (e.g. the DSL's generated modules) as one set. */
export function checkRegoSources(sources: readonly { file: string; source: string }[]): { modules: Module[]; diagnostics: Diagnostic[] } {
  const modules: Module[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const { file, source } of sources) {
    const r = parseModule(source, file);
    diagnostics.push(...r.diagnostics);
    if (r.module) modules.push(r.module);
  }
  if (modules.length === sources.length) diagnostics.push(...checkModules(modules));
  return { modules, diagnostics };
}

function parseRegoFile(file: string): { module?: Module; diagnostics: Diagnostic[] } {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return { diagnostics: [error('leash_project_error', `cannot read ${file}`)] };
  }
  return parseModule(source, file);
}

/** The canonical text of one Rego source, or the parse errors that prevent formatting. */
export function formatRego(source: string, file: string): { formatted?: string; diagnostics: Diagnostic[] } {
  const r = parseModule(source, file);
  if (!r.module) return { diagnostics: r.diagnostics };
  return { formatted: printModule(r.module), diagnostics: [] };
}
