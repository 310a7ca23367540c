// Host builtins that read the host's world: the clock and OPA's runtime information.
export const miscBuiltins: Record<string, (...args: unknown[]) => unknown> = {
  // nanoseconds since the epoch, at the host clock's millisecond resolution
  'time.now_ns': () => Date.now() * 1_000_000,
  // a bare wasm evaluation has no OPA runtime: an empty object, as OPA gives without config
  'opa.runtime': () => ({}),
  // tracing is an interpreter feature; in wasm the note is dropped and the call succeeds
  trace: () => true,
  // escapes glob metacharacters, as OPA's glob.quote_meta
  'glob.quote_meta': (s) => (typeof s === 'string' ? s.replace(/[*?\\[\]{}]/g, (c) => `\\${c}`) : undefined),
};
