// Deterministic text form of an IR policy, for `--dump-after plan` and debugging.
import type { Block, Policy, Stmt } from './index.ts';

function stmtText(s: Stmt): string {
  const { kind, loc: _loc, ...rest } = s as Stmt & { block?: Block; blocks?: Block[] };
  const fields = Object.entries(rest)
    .filter(([k]) => k !== 'block' && k !== 'blocks')
    .map(([k, v]) => `${k}=${typeof v === 'number' ? `%${v}` : Array.isArray(v) ? `[${v.map((x) => `%${x}`).join(',')}]` : JSON.stringify(v)}`);
  return `${kind} ${fields.join(' ')}`.trimEnd();
}

function printBlocks(blocks: readonly Block[], indent: string, out: string[]): void {
  for (const b of blocks) {
    out.push(`${indent}block {`);
    for (const s of b.stmts) {
      out.push(`${indent}  ${stmtText(s)}`);
      if (s.kind === 'Block') printBlocks(s.blocks, `${indent}    `, out);
      if (s.kind === 'Scan') printBlocks([s.block], `${indent}    `, out);
    }
    out.push(`${indent}}`);
  }
}

export function printPolicy(p: Policy): string {
  const out: string[] = [];
  for (const plan of p.plans) {
    out.push(`plan ${plan.name} (locals ${plan.locals})`);
    printBlocks(plan.blocks, '  ', out);
  }
  for (const f of p.funcs) {
    out.push(`func ${f.name}(${f.params.map((x) => `%${x}`).join(', ')}) -> %${f.returns}${f.memo ? ' memo' : ''}`);
    printBlocks(f.blocks, '  ', out);
  }
  return `${out.join('\n')}\n`;
}
