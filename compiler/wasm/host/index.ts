// The host builtin implementations, grouped by topic; each takes JSON-decoded operands
// and returns a JSON value or undefined, throwing BuiltinFailure for OPA's builtin errors.
export { BuiltinFailure } from './failure.ts';
import { stringBuiltins } from './strings.ts';
import { miscBuiltins } from './misc.ts';

export const hostBuiltinImpls: Readonly<Record<string, (...args: unknown[]) => unknown>> = {
  ...stringBuiltins,
  ...miscBuiltins,
};
