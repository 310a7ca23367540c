// The host builtin implementations, grouped by topic; each takes JSON-decoded operands
// and returns a JSON value or undefined, throwing BuiltinFailure for OPA's builtin errors.
export { BuiltinFailure } from './failure.ts';
import { miscBuiltins } from './misc.ts';
import { bitsBuiltins } from './bits.ts';

export const hostBuiltinImpls: Readonly<Record<string, (...args: unknown[]) => unknown>> = {
  ...miscBuiltins,
  ...bitsBuiltins,
};
