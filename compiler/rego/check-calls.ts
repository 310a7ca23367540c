// Function calls and the static type errors OPA's checker finds: undefined functions,
// arity mismatches (a call may pass one extra output operand at expression level), and
// builtin operands whose type is known from literals or `:=` and cannot match.
import { error, type Diagnostic } from '../diagnostics/index.ts';
import type { Body, CallTerm, Expr, Rule, Term } from './ast.ts';
import { BUILTINS, lookupBuiltin } from './builtins.ts';
import { pathKey, type ModuleScope, type RuleIndex } from './rule-index.ts';
import { walkTerm } from './walk.ts';
import { callName } from './parse-term.ts';

const TYPE_NAMES: Readonly<Record<string, string>> = {
  n: 'number', s: 'string', b: 'boolean', z: 'null', A: 'array', S: 'set', O: 'object',
};
const typeText = (t: string): string => [...t].map((c) => TYPE_NAMES[c] ?? 'any').join('|');

export function checkCalls(rule: Rule, scope: ModuleScope, index: RuleIndex, out: Diagnostic[]): void {
  const args = new Set<string>();
  for (const a of rule.head.args ?? []) walkTerm(a, (t) => { if (t.kind === 'Var') args.add(t.name); });
  // Each branch (the body, every `else`) has its own variables, so its own types.
  const ctx: Ctx = { scope, index, out, types: new Map(), args };
  checkBody(rule.body, ctx);
  for (const t of [rule.head.value, rule.head.key]) if (t) checkTerm(t, ctx, false);
  for (const e of rule.elses) {
    const branch: Ctx = { ...ctx, types: new Map() };
    checkBody(e.body, branch);
    if (e.value) checkTerm(e.value, branch, false);
  }
}

interface Ctx {
  readonly scope: ModuleScope;
  readonly index: RuleIndex;
  readonly out: Diagnostic[];
  /** inferred type letters of variables bound by `:=` to a term of known type */
  readonly types: Map<string, string>;
  /** function arguments: never typed statically */
  readonly args: ReadonlySet<string>;
}

function checkBody(body: Body, ctx: Ctx): void {
  for (const e of body) checkExpr(e, ctx);
}

function checkExpr(e: Expr, ctx: Ctx): void {
  const n = e.node;
  switch (n.kind) {
    case 'SomeVars': break;
    case 'SomeIn':
      for (const t of [n.key, n.value, n.collection]) if (t) checkTerm(t, ctx, false);
      break;
    case 'Every':
      checkTerm(n.domain, ctx, false);
      checkBody(n.body, { ...ctx, types: new Map(ctx.types) }); // its `:=` stay inside
      break;
    default:
      checkTerm(n, ctx, true);
      if (n.kind === 'Call' && n.operator === 'assign' && n.args[0]?.kind === 'Var') {
        const t = typeOf(n.args[1]!, ctx);
        if (t !== undefined) ctx.types.set(n.args[0].name, t);
      }
  }
  // `with` targets name functions or documents being replaced, not calls.
  for (const w of e.with) {
    checkTerm(w.value, ctx, false);
    checkWithTarget(w.target, ctx);
  }
}

function checkTerm(t: Term, ctx: Ctx, top: boolean): void {
  walkTerm(t, (x) => {
    if (x.kind === 'Call') checkCall(x, ctx, top && x === t);
    else if (x.kind === 'ArrayComprehension' || x.kind === 'SetComprehension' || x.kind === 'ObjectComprehension') {
      // walkTerm visits comprehension bodies; top-level calls there may use the output form.
      for (const e of x.body) {
        const n = e.node;
        if (n.kind === 'Call') checkCall(n, ctx, true, true);
      }
    }
  });
}

/** A `with` target must be input, data (possibly through an import) or a function. */
function checkWithTarget(target: Term, ctx: Ctx): void {
  const path = target.kind === 'Var' || target.kind === 'Ref' ? ctx.scope.resolveTerm(target, () => false) : undefined;
  if (path && (path[0] === 'input' || path[0] === 'data')) return;
  const fn = callName(target);
  if (fn !== undefined && (lookupBuiltin(fn) || ctx.scope.resolveCall(fn))) return;
  ctx.out.push(error('rego_type_error', 'with keyword target must reference existing input, data, or a function', target.loc));
}

const checkedTop = new WeakSet<CallTerm>();

function checkCall(c: CallTerm, ctx: Ctx, top: boolean, fromBody = false): void {
  if (fromBody) { checkedTop.add(c); return checkOne(c, ctx, true); }
  if (checkedTop.has(c)) return;
  checkOne(c, ctx, top);
}

function checkOne(c: CallTerm, ctx: Ctx, top: boolean): void {
  const path = ctx.scope.resolveCall(c.operator);
  let arity: number | undefined;
  let argTypes: readonly string[] | undefined;
  if (path) {
    const g = ctx.index.groups.get(pathKey(path));
    if (!g || g.kind !== 'function') {
      ctx.out.push(error('rego_type_error', `undefined function ${path.join('.')}`, c.loc));
      return;
    }
    arity = g.arity;
  } else {
    const b = lookupBuiltin(c.operator);
    if (!b) {
      const removed = REMOVED_IN_V1[c.operator];
      const near = removed === undefined ? nearestBuiltin(c.operator) : undefined;
      const hint = removed !== undefined ? ` (removed in Rego v1: ${removed})` : near ? ` (did you mean ${near}?)` : '';
      ctx.out.push(error('rego_type_error', `undefined function ${c.operator}${hint}`, c.loc));
      return;
    }
    arity = b.arity;
    argTypes = b.args;
  }
  if (arity !== undefined && arity >= 0 && c.args.length !== arity && !(top && c.args.length === arity + 1)) {
    ctx.out.push(error('rego_type_error', `${c.operator}: arity mismatch: have ${c.args.length} operand${c.args.length === 1 ? '' : 's'}, want ${arity}`, c.loc));
    return;
  }
  if (!argTypes) return;
  argTypes.forEach((want, i) => {
    const arg = c.args[i];
    if (!arg || want === '*') return;
    const have = typeOf(arg, ctx);
    if (have !== undefined && ![...have].some((h) => want.includes(h))) {
      ctx.out.push(error('rego_type_error', `${c.operator}: invalid argument(s): operand ${i + 1} is ${typeText(have)}, want ${typeText(want)}`, arg.loc));
    }
  });
}

/** Type letters of a term when known statically; undefined when it may be anything. */
function typeOf(t: Term, ctx: Ctx): string | undefined {
  switch (t.kind) {
    case 'Null': return 'z';
    case 'Boolean': return 'b';
    case 'Number': return 'n';
    case 'String': return 's';
    case 'Array': case 'ArrayComprehension': return 'A';
    case 'Set': case 'SetComprehension': return 'S';
    case 'Object': case 'ObjectComprehension': return 'O';
    case 'Var': return ctx.args.has(t.name) ? undefined : ctx.types.get(t.name);
    case 'Call': {
      if (ctx.scope.resolveCall(t.operator)) return undefined;
      const b = lookupBuiltin(t.operator);
      if (t.operator === 'minus' && t.args.length === 2) {
        const l = typeOf(t.args[0]!, ctx);
        return l === 'S' ? 'S' : l === 'n' ? 'n' : undefined;
      }
      return b?.result;
    }
    case 'Ref': return undefined;
  }
}

/** Builtins Rego v1 dropped, and what to write instead. */
const REMOVED_IN_V1: Readonly<Record<string, string>> = {
  any: 'write `some x in xs; x` or `true in xs`',
  all: 'write `every x in xs { x }`',
  re_match: 'use regex.match',
  set_diff: 'write `a - b`',
  net_cidr_overlap: 'use net.cidr_contains',
  'net.cidr_overlap': 'use net.cidr_contains',
  cast_array: 'write an array directly', cast_set: 'write a set directly', cast_string: 'write a string directly',
  cast_boolean: 'write a boolean directly', cast_null: 'write null', cast_object: 'write an object directly',
};

/** The builtin a misspelt name most likely meant (edit distance 1, or 2 for longer names). */
function nearestBuiltin(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = name.length <= 4 ? 2 : 3;
  for (const b of BUILTINS.values()) {
    if (b.infix || Math.abs(b.name.length - name.length) >= bestDistance) continue;
    const d = editDistance(name, b.name, bestDistance);
    if (d < bestDistance) { best = b.name; bestDistance = d; }
  }
  return best;
}

/** Levenshtein distance, giving up (returning `limit`) once it cannot be below it. */
function editDistance(a: string, b: string, limit: number): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin >= limit) return limit;
    prev = cur;
  }
  return prev[b.length]!;
}
