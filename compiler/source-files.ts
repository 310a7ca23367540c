// Walks the paths a command was given: each named file, and every file under each named
// folder (recursively, sorted, skipping dot-entries and node_modules). The caller decides
// what each file is; an unreadable path is a `leash_project_error`.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { error, type Diagnostic } from './diagnostics/index.ts';

/** `named` is true for a path given directly, false for one found inside a folder. */
export function walkSourceFiles(paths: readonly string[], visitFile: (file: string, named: boolean) => void): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const visit = (p: string, named: boolean): void => {
    let st;
    try {
      st = statSync(p);
    } catch {
      diagnostics.push(error('leash_project_error', `cannot read ${p}: no such file or directory`));
      return;
    }
    if (!st.isDirectory()) return visitFile(p, named);
    for (const name of readdirSync(p).sort()) {
      if (name.startsWith('.') || name === 'node_modules') continue;
      visit(join(p, name), false);
    }
  };
  for (const p of paths) visit(p, true);
  return diagnostics;
}
