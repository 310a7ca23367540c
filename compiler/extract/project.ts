// Loads policy sources into a ts-morph project that resolves `leash` to the DSL, and
// reports TypeScript's own errors as diagnostics (`file:line:col: leash_ts_error: TSnnnn ...`).
import { Project, ts, type Node, type SourceFile } from 'ts-morph';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { error, type Diagnostic, type Loc } from '../diagnostics/index.ts';

const DSL_ENTRY = fileURLToPath(new URL('../dsl/index.ts', import.meta.url));

export interface LoadedProject {
  readonly project: Project;
  readonly files: readonly SourceFile[];
  readonly diagnostics: readonly Diagnostic[];
  readonly locOf: (n: Node) => Loc;
}

/** Paths in diagnostics and generated comments are relative to `root` (default: cwd). */
export function loadPolicyProject(files: readonly string[], root: string): LoadedProject {
  const project = new Project({
    skipAddingFilesFromTsConfig: true,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      strict: true,
      noUncheckedIndexedAccess: true,
      allowImportingTsExtensions: true,
      noEmit: true,
      skipLibCheck: true,
      types: [],
      lib: ['lib.es2022.d.ts'],
      paths: { leash: [DSL_ENTRY] },
    },
  });
  const sources = files.map((f) => project.addSourceFileAtPath(path.resolve(f)));
  project.resolveSourceFileDependencies();
  const rel = (file: string): string => path.relative(root, file).split(path.sep).join('/') || file;
  const locOf = (n: Node): Loc => {
    const sf = n.getSourceFile();
    const { line, column } = sf.getLineAndColumnAtPos(n.getStart());
    return { file: rel(sf.getFilePath()), line, col: column };
  };
  const diagnostics: Diagnostic[] = [];
  for (const d of project.getPreEmitDiagnostics()) {
    if (d.getCategory() !== ts.DiagnosticCategory.Error) continue;
    const sf = d.getSourceFile();
    // the compiler's own message (ts-morph wraps a message chain in an object flatten cannot read)
    const text = ts.flattenDiagnosticMessageText(d.compilerObject.messageText, ' ');
    const message = `TS${d.getCode()}: ${text}`;
    const start = d.getStart();
    if (sf && start !== undefined) {
      const { line, column } = sf.getLineAndColumnAtPos(start);
      diagnostics.push(error('leash_ts_error', message, { file: rel(sf.getFilePath()), line, col: column }));
    } else {
      diagnostics.push(error('leash_ts_error', message));
    }
  }
  return { project, files: sources, diagnostics, locOf };
}
