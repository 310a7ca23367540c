// Masking of decision-log events by OPA-style JSON pointers (`/input/request/body/card`):
// the field a pointer names is removed and the pointer listed in the event's `erased`,
// as OPA's decision_logs mask `remove` op does. Only fields that were there are listed.
// Copy on write: the containers along the path are copied, never changed in place (an
// event's input shares objects with the verified-token cache and the audit event).
// OPA's `upsert` op (replace a value, listed in `masked`) is not implemented.

export interface MaskRule {
  /** the pointer as configured, e.g. /input/request/headers/x-card */
  readonly pointer: string;
  /** 'input' or 'result' */
  readonly root: 'input' | 'result';
  /** the unescaped segments below the root */
  readonly parts: readonly string[];
}

/** Parses RFC 6901 pointers (`~1` is `/`, `~0` is `~`) rooted at /input or /result; throws on others. */
export function parseMask(pointers: readonly string[]): MaskRule[] {
  return pointers.map((pointer) => {
    if (!pointer.startsWith('/')) throw new Error(`mask ${JSON.stringify(pointer)}: must start with /`);
    const [root, ...parts] = pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (root !== 'input' && root !== 'result') throw new Error(`mask ${JSON.stringify(pointer)}: must be under /input or /result`);
    return { pointer, root, parts };
  });
}

type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

function child(node: Json, key: string): Json {
  if (Array.isArray(node)) {
    if (!/^(0|[1-9]\d*)$/.test(key)) return undefined;
    return node[Number(key)];
  }
  return isObject(node) && Object.hasOwn(node, key) ? node[key] : undefined;
}

/** The node without the field at parts[i..], copied along the path; undefined when there is no such field. */
function without(node: Json, parts: readonly string[], i: number): Json | undefined {
  const key = parts[i]!;
  if (i === parts.length - 1) {
    // as OPA: only an object member is removed (an array element is left alone)
    if (!isObject(node) || !Object.hasOwn(node, key)) return undefined;
    const copy = { ...node };
    delete copy[key];
    return copy;
  }
  const next = child(node, key);
  if (next === undefined) return undefined;
  const replaced = without(next, parts, i + 1);
  if (replaced === undefined) return undefined;
  if (Array.isArray(node)) {
    const copy = node.slice();
    copy[Number(key)] = replaced;
    return copy;
  }
  return { ...(node as Record<string, Json>), [key]: replaced };
}

export interface Maskable {
  input?: Json;
  result?: Json;
  erased?: string[];
}

/** Applies the rules to `event` (its input and result are replaced, never mutated). */
export function applyMask<E extends Maskable>(event: E, rules: readonly MaskRule[]): E {
  for (const rule of rules) {
    const value = event[rule.root];
    if (value === undefined) continue;
    if (rule.parts.length === 0) {
      delete event[rule.root];
    } else {
      const replaced = without(value, rule.parts, 0);
      if (replaced === undefined) continue;
      event[rule.root] = replaced;
    }
    (event.erased ??= []).push(rule.pointer);
  }
  return event;
}
