// Builds one Rego module AST with readable layout: every top-level rule gets its own line
// range and an optional comment above it (the printer places comments by line), so the
// printed Rego reads top to bottom in the order the rules were added.
import type { Loc } from '../diagnostics/index.ts';
import {
  refTerm, varTerm, type Body, type Comment, type Module, type Rule, type Term,
} from '../rego/ast.ts';
import type { HelperSink } from './lower-expr.ts';

export class ModuleBuilder implements HelperSink {
  private line = 1;
  private readonly comments: Comment[] = [];
  private readonly rules: Rule[] = [];
  private readonly used = new Set<string>();

  private readonly packageLine: number;

  constructor(readonly file: string, header: readonly string[]) {
    for (const text of header) this.comment(text);
    this.packageLine = this.line++;
  }

  private comment(text: string): void {
    this.comments.push({ kind: 'Comment', text: text === '' ? '' : ` ${text}`, loc: { file: this.file, line: this.line++, col: 1 } });
  }

  /** Location for the next rule; comment lines (if any) go just above it. */
  at(comment?: string | readonly string[]): Loc {
    this.line += 2;
    for (const c of typeof comment === 'string' ? [comment] : comment ?? []) this.comment(c);
    const loc = { file: this.file, line: this.line, col: 1 };
    this.line += 1;
    return loc;
  }

  add(rule: Rule): void {
    this.rules.push(rule);
  }

  /** A name never handed out before in this module: `stem`, else `stem_2`, `stem_3`... */
  name(stem: string): string {
    let name = stem;
    for (let n = 2; this.used.has(name); n++) name = `${stem}_${n}`;
    this.used.add(name);
    return name;
  }

  build(pkg: readonly string[]): Module {
    const loc = { file: this.file, line: this.line + 1, col: 1 };
    // The package clause comes after the header comments, before every rule.
    const pkgLoc = { file: this.file, line: this.packageLine, col: 1 };
    return {
      kind: 'Module',
      package: { kind: 'Package', path: pkg, loc: pkgLoc },
      imports: [],
      rules: this.rules,
      comments: this.comments,
      loc,
    };
  }
}

/** `name := value if { body }` (a complete rule); no body means an unconditional value. */
export function completeRule(name: string, value: Term, body: Body, loc: Loc): Rule {
  return { kind: 'Rule', isDefault: false, head: { kind: 'Head', ref: refTerm(varTerm(name, loc), [], loc), value, assign: true, loc }, body, elses: [], loc };
}

/** `name contains key if { body }` (a partial set rule). */
export function setRule(name: string, key: Term, body: Body, loc: Loc): Rule {
  return { kind: 'Rule', isDefault: false, head: { kind: 'Head', ref: refTerm(varTerm(name, loc), [], loc), key, assign: false, loc }, body, elses: [], loc };
}

/** `name if { body }` (a boolean rule). */
export function boolRule(name: string, body: Body, loc: Loc): Rule {
  return { kind: 'Rule', isDefault: false, head: { kind: 'Head', ref: refTerm(varTerm(name, loc), [], loc), assign: false, loc }, body, elses: [], loc };
}
