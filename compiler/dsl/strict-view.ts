// Read-only views of request data for the reference evaluator that make JavaScript reads
// behave like Rego refs: reading a field that is not there throws `Undefined`, which makes
// the whole predicate undefined (false), exactly as an undefined ref does in Rego.

/** Thrown when a predicate reads a missing field; the evaluator treats it as "undefined". */
export class Undefined extends Error {
  constructor(readonly field: string) {
    super(`undefined: ${field}`);
  }
}

const ARRAY_METHODS = new Set(['includes', 'some', 'every', 'length']);

/** Wrap a JSON value so missing fields throw; primitives pass through unchanged. */
export function strictView(value: unknown, path = 'input'): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const cache = new Map<string, unknown>();
  return new Proxy(value as object, {
    get(target, prop) {
      if (typeof prop === 'symbol') {
        // Template literals and String() ask for these; plain JSON has none.
        return undefined;
      }
      if (cache.has(prop)) return cache.get(prop);
      if (Array.isArray(target)) {
        if (ARRAY_METHODS.has(prop)) {
          const v = Reflect.get(target, prop);
          return typeof v === 'function' ? v.bind(wrapArray(target, path)) : v;
        }
        const i = Number(prop);
        if (!(Number.isInteger(i) && i >= 0 && i < target.length && String(i) === prop)) throw new Undefined(`${path}[${prop}]`);
      } else if (!Object.prototype.hasOwnProperty.call(target, prop)) {
        throw new Undefined(`${path}.${prop}`);
      }
      const v = strictView(Reflect.get(target, prop), `${path}.${prop}`);
      cache.set(prop, v);
      return v;
    },
    has(target, prop) {
      // `'k' in list` is undefined in Rego (object.get needs an object): so here too
      if (Array.isArray(target)) throw new Undefined(`${path} (a list) has no key ${String(prop)}`);
      return typeof prop === 'string' && Object.prototype.hasOwnProperty.call(target, prop);
    },
    set() { return false; },
    deleteProperty() { return false; },
  });
}

/** Array methods run over the wrapped elements, so callbacks see strict views too. */
function wrapArray(target: readonly unknown[], path: string): unknown[] {
  return target.map((x, i) => strictView(x, `${path}[${i}]`));
}

/**
 * A root of the predicate context (body, query, task, ...). A string, number or boolean where
 * an object belongs (a body of `"text"`) has no fields: reading one or asking `in` is
 * undefined, as in Rego, never JavaScript's quiet `undefined` from the primitive's prototype.
 */
export function strictRoot(value: unknown, path: string): unknown {
  if (typeof value === 'object' || value === undefined) return strictView(value, path);
  const missing = (prop: string | symbol): never => { throw new Undefined(`${path}.${String(prop)}`); };
  return new Proxy({}, {
    get: (_t, prop) => (typeof prop === 'symbol' ? undefined : missing(prop)),
    has: (_t, prop) => missing(prop),
    set: () => false,
    deleteProperty: () => false,
  });
}
