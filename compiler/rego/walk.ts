// Generic read-only traversal of the Rego AST: visit every term of a rule, expression or
// term in pre-order (comprehension and `every` bodies included). Used by the checker
// stages and available to the planner.
import { assertNever, type Body, type Expr, type Rule, type Term } from './ast.ts';

export type TermVisitor = (t: Term) => void;

export function walkTerm(t: Term, visit: TermVisitor): void {
  visit(t);
  switch (t.kind) {
    case 'Null': case 'Boolean': case 'Number': case 'String': case 'Var':
      return;
    case 'Ref':
      walkTerm(t.head, visit);
      for (const p of t.path) walkTerm(p, visit);
      return;
    case 'Array': case 'Set':
      for (const x of t.items) walkTerm(x, visit);
      return;
    case 'Object':
      for (const [k, v] of t.entries) { walkTerm(k, visit); walkTerm(v, visit); }
      return;
    case 'ArrayComprehension': case 'SetComprehension':
      walkTerm(t.term, visit);
      walkBody(t.body, visit);
      return;
    case 'ObjectComprehension':
      walkTerm(t.key, visit);
      walkTerm(t.value, visit);
      walkBody(t.body, visit);
      return;
    case 'Call':
      for (const a of t.args) walkTerm(a, visit);
      return;
    default:
      assertNever(t, 'term');
  }
}

export function walkExpr(e: Expr, visit: TermVisitor): void {
  const n = e.node;
  switch (n.kind) {
    case 'SomeVars':
      for (const v of n.vars) walkTerm(v, visit);
      break;
    case 'SomeIn':
      if (n.key) walkTerm(n.key, visit);
      walkTerm(n.value, visit);
      walkTerm(n.collection, visit);
      break;
    case 'Every':
      if (n.key) walkTerm(n.key, visit);
      walkTerm(n.value, visit);
      walkTerm(n.domain, visit);
      walkBody(n.body, visit);
      break;
    default:
      walkTerm(n, visit);
  }
  for (const w of e.with) { walkTerm(w.target, visit); walkTerm(w.value, visit); }
}

export function walkBody(body: Body, visit: TermVisitor): void {
  for (const e of body) walkExpr(e, visit);
}

/** Every term of a rule: head ref, args, key, value, body, else values and bodies. */
export function walkRule(r: Rule, visit: TermVisitor): void {
  walkTerm(r.head.ref, visit);
  for (const a of r.head.args ?? []) walkTerm(a, visit);
  if (r.head.key) walkTerm(r.head.key, visit);
  if (r.head.value) walkTerm(r.head.value, visit);
  walkBody(r.body, visit);
  for (const e of r.elses) {
    if (e.value) walkTerm(e.value, visit);
    walkBody(e.body, visit);
  }
}
