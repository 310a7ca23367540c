// `# METADATA` annotation blocks: split out of the comment stream, their YAML parsed, and
// attached to the package (blocks before it, or with package/subpackages scope) or to the
// first rule that follows them. Other comments stay in Module.comments for the printer.
import { parse as parseYaml } from 'yaml';
import type { Annotations, Comment, Package, Rule } from './ast.ts';
import type { RawComment } from './lexer.ts';
import { ParseFailure } from './parse-cursor.ts';

export interface AnnotationBlock {
  readonly annotations: Annotations;
  /** the last source line of the block */
  readonly endLine: number;
}

export function splitComments(raw: readonly RawComment[], file: string): { comments: Comment[]; blocks: AnnotationBlock[] } {
  const comments: Comment[] = [];
  const blocks: AnnotationBlock[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c.text.trim() !== 'METADATA') {
      comments.push({ kind: 'Comment', text: c.text, loc: { file, line: c.line, col: c.col } });
      continue;
    }
    // The block is the run of comments on the following lines, in the same column.
    const lines: string[] = [];
    let last = c.line;
    while (i + 1 < raw.length && raw[i + 1]!.line === last + 1 && raw[i + 1]!.col === c.col) {
      i++;
      last = raw[i]!.line;
      lines.push(raw[i]!.text.replace(/^ /, ''));
    }
    const text = lines.join('\n');
    const loc = { file, line: c.line, col: c.col };
    let data: unknown;
    try {
      data = parseYaml(text);
    } catch (e) {
      throw new ParseFailure(`invalid METADATA block: ${(e as Error).message.split('\n')[0]}`, loc);
    }
    if (data !== null && data !== undefined && (typeof data !== 'object' || Array.isArray(data))) {
      throw new ParseFailure('invalid METADATA block: expected a YAML map', loc);
    }
    const record = (data ?? undefined) as Record<string, unknown> | undefined;
    const scope = typeof record?.['scope'] === 'string' ? (record['scope'] as string) : undefined;
    const annotations: Annotations = {
      kind: 'Annotations', text, loc,
      ...(scope !== undefined ? { scope } : {}),
      ...(record !== undefined ? { data: record } : {}),
    };
    blocks.push({ annotations, endLine: last });
  }
  return { comments, blocks };
}

export function attachAnnotations(
  blocks: readonly AnnotationBlock[], pkg: Package, rules: readonly Rule[],
): { module?: Annotations; rules: Rule[] } {
  let module: Annotations | undefined;
  const byRule = new Map<number, Annotations>();
  let r = 0;
  for (const b of blocks) {
    const scope = b.annotations.scope;
    if (b.endLine < pkg.loc.line || scope === 'package' || scope === 'subpackages') {
      module ??= b.annotations;
      continue;
    }
    while (r < rules.length && rules[r]!.loc.line <= b.endLine) r++;
    if (r < rules.length && !byRule.has(r)) byRule.set(r, b.annotations);
  }
  return {
    ...(module ? { module } : {}),
    rules: rules.map((rule, i) => {
      const a = byRule.get(i);
      return a ? { ...rule, annotations: a } : rule;
    }),
  };
}
