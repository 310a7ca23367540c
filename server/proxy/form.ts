// Parses an `application/x-www-form-urlencoded` body (Stripe's request format) into the
// nested value a policy reads: `a[b]=1` → { a: { b: 1 } }, `a[]=x&a[]=y` → { a: ['x','y'] },
// `a[0][b]=1` → { a: [{ b: 1 }] }. Canonical numbers and true/false become typed values so
// `body.amount <= task.maxRefund` compares numbers. Anything ambiguous (a field given twice,
// a field that is both a value and an object) is an error: the upstream might read it
// differently from the policy, so it is refused rather than guessed.

export type FormResult = { readonly ok: true; readonly value: Record<string, unknown> } | { readonly ok: false; readonly message: string };

const MAX_FIELDS = 1000;
const MAX_DEPTH = 8;
const INTEGER = /^-?(0|[1-9][0-9]{0,14})$/;
const DECIMAL = /^-?(0|[1-9][0-9]{0,14})\.[0-9]{1,15}$/;

type Node = { kind: 'object'; entries: Map<string, Node> } | { kind: 'list'; items: Node[] } | { kind: 'value'; value: string };

export function parseForm(text: string): FormResult {
  const root: Node = { kind: 'object', entries: new Map() };
  const pairs = text === '' ? [] : text.split('&');
  if (pairs.length > MAX_FIELDS) return fail(`the form body has more than ${MAX_FIELDS} fields`);
  for (const pair of pairs) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
    const key = decode(rawKey);
    const value = decode(rawValue);
    if (key === undefined || value === undefined) return fail('the form body has an invalid percent-encoding');
    const path = splitKey(key);
    if (path === undefined) return fail(`form field "${clip(key)}" has unbalanced brackets`);
    if (path.length > MAX_DEPTH) return fail(`form field "${clip(key)}" nests deeper than ${MAX_DEPTH} levels`);
    const problem = insert(root, path, value, key);
    if (problem !== undefined) return fail(problem);
  }
  return { ok: true, value: toPlain(root) as Record<string, unknown> };
}

function fail(message: string): FormResult {
  return { ok: false, message };
}

function decode(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** `a[b][]` → ['a', 'b', ''] ; undefined when the brackets do not balance. */
function splitKey(key: string): string[] | undefined {
  const open = key.indexOf('[');
  if (open === -1) return key.includes(']') ? undefined : [key];
  const path = [key.slice(0, open)];
  let rest = key.slice(open);
  while (rest !== '') {
    const match = /^\[([^[\]]*)\]/.exec(rest);
    if (!match) return undefined;
    path.push(match[1] ?? '');
    rest = rest.slice(match[0].length);
  }
  if (path[0] === '') return undefined;
  return path;
}

function insert(root: Node, path: readonly string[], value: string, key: string): string | undefined {
  let node = root;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i] ?? '';
    const last = i === path.length - 1;
    const next: Node = last ? { kind: 'value', value } : path[i + 1] === '' ? { kind: 'list', items: [] } : { kind: 'object', entries: new Map() };
    if (node.kind === 'value') return `form field "${clip(key)}" is both a value and a structure`;
    if (node.kind === 'list') {
      if (segment !== '') return `form field "${clip(key)}" mixes [] and named keys`;
      // `a[][b]=1&a[][c]=2` is ambiguous (one item or two?): only scalars may be pushed.
      if (!last) return `form field "${clip(key)}" pushes a structure with []; use indexes such as [0]`;
      node.items.push(next);
      return undefined;
    }
    if (segment === '') return `form field "${clip(key)}" uses [] where a name is needed`;
    const existing = node.entries.get(segment);
    if (existing === undefined) {
      node.entries.set(segment, next);
      node = next;
      continue;
    }
    if (last || existing.kind !== next.kind) {
      if (existing.kind === 'value' && next.kind === 'value') return `form field "${clip(key)}" is given more than once`;
      if (existing.kind === 'value' || next.kind === 'value') return `form field "${clip(key)}" is both a value and a structure`;
      return `form field "${clip(key)}" mixes [] and named keys`;
    }
    node = existing;
  }
  return undefined;
}

function toPlain(node: Node): unknown {
  switch (node.kind) {
    case 'value':
      return typed(node.value);
    case 'list':
      return node.items.map(toPlain);
    case 'object': {
      // `items[0][price]=…&items[1][price]=…` is Stripe's array form: 0..n-1 become a list.
      const size = node.entries.size;
      const indexed = size > 0 && [...node.entries.keys()].every((k) => /^(0|[1-9][0-9]*)$/.test(k) && Number(k) < size);
      if (indexed) return Array.from({ length: size }, (_, i) => toPlain(node.entries.get(String(i)) as Node));
      // A null prototype: a field named __proto__ stays a plain field.
      const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      for (const [k, v] of node.entries) out[k] = toPlain(v);
      return out;
    }
  }
}

function typed(value: string): unknown {
  if (INTEGER.test(value) || DECIMAL.test(value)) return Number(value);
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
