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
