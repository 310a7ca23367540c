// fast-check generators of Rego ASTs in the shape the parser produces (wildcard-free,
// no empty-path refs, non-empty bodies), for the print → parse round-trip property.
import fc from 'fast-check';
import {
  INFIX_OPERATORS, MEMBER_2, MEMBER_3,
  type Body, type Else, type Expr, type Head, type Loc, type Module, type RefTerm, type Rule, type Term, type VarTerm,
} from '../../compiler/rego/index.ts';

const L: Loc = { file: 'gen.rego', line: 1, col: 1 };
const KEYWORDS = new Set(['as', 'default', 'else', 'false', 'import', 'not', 'null', 'package', 'some', 'true', 'with', 'if', 'contains', 'in', 'every', 'set']);

const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,4}$/).filter((s) => !KEYWORDS.has(s));
const varTerm: fc.Arbitrary<VarTerm> = name.map((n) => ({ kind: 'Var', name: n, loc: L }));
const stringValue = fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 8 }), name);
const numberText = fc.oneof(
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.tuple(fc.nat(9999), fc.nat(999)).map(([a, b]) => `${a}.${b}`),
  fc.tuple(fc.nat(99), fc.integer({ min: -20, max: 20 })).map(([a, e]) => `${a}e${e}`),
);

const scalar: fc.Arbitrary<Term> = fc.oneof(
  fc.constant<Term>({ kind: 'Null', loc: L }),
  fc.boolean().map<Term>((value) => ({ kind: 'Boolean', value, loc: L })),
  numberText.map<Term>((text) => ({ kind: 'Number', text, loc: L })),
  stringValue.map<Term>((value) => ({ kind: 'String', value, loc: L })),
  fc.string().filter((s) => !s.includes('`')).map<Term>((value) => ({ kind: 'String', value, raw: true, loc: L })),
  varTerm,
);

const INFIX = Object.values(INFIX_OPERATORS).filter((n) => n !== 'assign' && n !== 'eq');
const CALLS = ['count', 'f', 'lib.g', 'data.x.h', 'strings.replace_n', 'assign', 'eq'];

export function termArb(depth: number): fc.Arbitrary<Term> {
  if (depth <= 0) return scalar;
  const sub = termArb(depth - 1);
  const items = fc.array(sub, { maxLength: 3 });
  const body = bodyArb(depth - 1);
  const refHead = fc.oneof(varTerm as fc.Arbitrary<Term>, callArb(sub), items.map<Term>((xs) => ({ kind: 'Array', items: xs, loc: L })));
  return fc.oneof(
    { arbitrary: scalar, weight: 4 },
    fc.tuple(refHead, fc.array(fc.oneof(stringValue.map<Term>((value) => ({ kind: 'String', value, loc: L })), sub), { minLength: 1, maxLength: 3 }))
      // A raw string key prints as `.name` or `["..."]`: the raw flag is a printing hint only.
      .map<Term>(([head, path]) => ({ kind: 'Ref', head, path: path.map((p) => (p.kind === 'String' ? { kind: 'String', value: p.value, loc: L } : p)), loc: L })),
    items.map<Term>((xs) => ({ kind: 'Array', items: xs, loc: L })),
    items.map<Term>((xs) => ({ kind: 'Set', items: xs, loc: L })),
    fc.array(fc.tuple(sub, sub), { maxLength: 3 }).map<Term>((entries) => ({ kind: 'Object', entries, loc: L })),
    fc.tuple(sub, body).map<Term>(([term, b]) => ({ kind: 'ArrayComprehension', term, body: b, loc: L })),
    fc.tuple(sub, body).map<Term>(([term, b]) => ({ kind: 'SetComprehension', term, body: b, loc: L })),
    fc.tuple(sub, sub, body).map<Term>(([key, value, b]) => ({ kind: 'ObjectComprehension', key, value, body: b, loc: L })),
    fc.tuple(fc.constantFrom(...INFIX, MEMBER_2), sub, sub).map<Term>(([operator, a, b]) => ({ kind: 'Call', operator, args: [a, b], loc: L })),
    fc.tuple(sub, sub, sub).map<Term>((args) => ({ kind: 'Call', operator: MEMBER_3, args, loc: L })),
    callArb(sub),
  );
}

function callArb(sub: fc.Arbitrary<Term>): fc.Arbitrary<Term> {
  return fc.tuple(fc.constantFrom(...CALLS), fc.array(sub, { maxLength: 3 }))
    .map<Term>(([operator, args]) => ({ kind: 'Call', operator, args, loc: L }));
}

export function exprArb(depth: number): fc.Arbitrary<Expr> {
  const t = termArb(depth);
  const withs = fc.array(fc.tuple(fc.oneof(varTerm as fc.Arbitrary<Term>, termArb(0)), t), { maxLength: 2 })
    .map((ws) => ws.map(([target, value]) => ({ kind: 'With' as const, target, value, loc: L })));
  const top = fc.oneof(
    t,
    fc.tuple(fc.constantFrom('assign', 'eq'), t, t).map<Term>(([operator, a, b]) => ({ kind: 'Call', operator, args: [a, b], loc: L })),
  );
  const termExpr = fc.tuple(top, fc.boolean(), withs).map<Expr>(([node, negated, w]) => ({ kind: 'Expr', negated, node, with: w, loc: L }));
  const plain = (node: Expr['node']): Expr => ({ kind: 'Expr', negated: false, node, with: [], loc: L });
  const some = fc.array(varTerm, { minLength: 1, maxLength: 3 }).map((vars) => plain({ kind: 'SomeVars', vars, loc: L }));
  const pattern = fc.oneof(varTerm as fc.Arbitrary<Term>, fc.array(varTerm, { minLength: 1, maxLength: 2 }).map<Term>((items) => ({ kind: 'Array', items, loc: L })));
  const someIn = fc.tuple(fc.option(pattern, { nil: undefined }), pattern, t)
    .map(([key, value, collection]) => plain(key ? { kind: 'SomeIn', key, value, collection, loc: L } : { kind: 'SomeIn', value, collection, loc: L }));
  if (depth <= 0) return fc.oneof(termExpr, some, someIn);
  const every = fc.tuple(fc.option(varTerm, { nil: undefined }), varTerm, t, bodyArb(depth - 1))
    .map(([key, value, domain, body]) => plain(key ? { kind: 'Every', key, value, domain, body, loc: L } : { kind: 'Every', value, domain, body, loc: L }));
  return fc.oneof({ arbitrary: termExpr, weight: 4 }, some, someIn, every);
}

export function bodyArb(depth: number): fc.Arbitrary<Body> {
  return fc.array(exprArb(depth), { minLength: 1, maxLength: 3 });
}

const ruleRef: fc.Arbitrary<RefTerm> = fc.tuple(varTerm, fc.array(fc.oneof(
  name.map<Term>((value) => ({ kind: 'String', value, loc: L })),
  stringValue.map<Term>((value) => ({ kind: 'String', value, loc: L })),
  varTerm,
), { maxLength: 2 })).map(([head, path]) => ({ kind: 'Ref', head, path, loc: L }));

function isConstant(t: Term): boolean {
  switch (t.kind) {
    case 'Var': case 'Ref': case 'Call': return false;
    case 'Array': case 'Set': return t.items.every(isConstant);
    case 'Object': return t.entries.every(([k, v]) => isConstant(k) && isConstant(v));
    default: return true;
  }
}

export function ruleArb(depth: number): fc.Arbitrary<Rule> {
  const t = termArb(depth);
  const elseArb = fc.tuple(fc.option(t, { nil: undefined }), fc.boolean(), fc.oneof(fc.constant<Body>([]), bodyArb(depth)))
    .filter(([v, , b]) => v !== undefined || b.length > 0)
    .map<Else>(([value, assign, body]) => (value !== undefined
      ? { kind: 'Else', value, assign, body, loc: L }
      : { kind: 'Else', assign: false, body, loc: L }));
  return fc.record({
    ref: ruleRef,
    args: fc.option(fc.array(t, { maxLength: 2 }), { nil: undefined }),
    key: fc.option(t, { nil: undefined }),
    value: fc.option(t, { nil: undefined }),
    assign: fc.boolean(),
    isDefault: fc.boolean(),
    body: fc.oneof(fc.constant<Body>([]), bodyArb(depth)),
    elses: fc.array(elseArb, { maxLength: 2 }),
  }).map((r) => {
    const key = r.args ? undefined : r.key;
    const value = key !== undefined ? undefined : r.value ?? (r.isDefault || r.body.length === 0 ? { kind: 'Boolean', value: true, loc: L } as Term : undefined);
    const head: Head = {
      kind: 'Head', ref: r.ref, assign: value !== undefined && r.assign, loc: L,
      ...(r.args ? { args: r.args } : {}), ...(key !== undefined ? { key } : {}), ...(value !== undefined ? { value } : {}),
    };
    if (r.isDefault && key === undefined) {
      // OPA: a default value is a constant (comprehensions aside).
      const constant: Head = isConstant(head.value!) ? head : { ...head, value: { kind: 'Boolean', value: false, loc: L } };
      return { kind: 'Rule', isDefault: true, head: constant, body: [], elses: [], loc: L } satisfies Rule;
    }
    return { kind: 'Rule', isDefault: false, head, body: r.body, elses: r.body.length > 0 ? r.elses : [], loc: L } satisfies Rule;
  });
}

export const moduleArb: fc.Arbitrary<Module> = fc.record({
  path: fc.array(fc.oneof(name, stringValue), { minLength: 1, maxLength: 3 }).filter((p) => p[0] !== 'data'),
  imports: fc.array(fc.tuple(fc.constantFrom('data', 'input'), fc.array(name, { minLength: 1, maxLength: 2 }), fc.option(name, { nil: undefined })), { maxLength: 2 }),
  rules: fc.array(ruleArb(2), { maxLength: 4 }),
}).map(({ path, imports, rules }) => ({
  kind: 'Module', loc: L, comments: [], rules,
  package: { kind: 'Package', path, loc: L },
  imports: imports.map(([root, segs, alias]) => ({
    kind: 'Import' as const, loc: L,
    path: { kind: 'Ref' as const, head: { kind: 'Var' as const, name: root, loc: L }, path: segs.map((value) => ({ kind: 'String' as const, value, loc: L })), loc: L },
    ...(alias !== undefined ? { alias } : {}),
  })),
}));
