// String builtins served by the host when the runtime has no native version.
import { typeError } from './failure.ts';

function str(v: unknown, i: number): string {
  if (typeof v !== 'string') throw typeError(i, 'string', v);
  return v;
}

export const stringBuiltins: Record<string, (...args: unknown[]) => unknown> = {
  startswith: (a, b) => str(a, 1).startsWith(str(b, 2)),
  endswith: (a, b) => str(a, 1).endsWith(str(b, 2)),
  contains: (a, b) => str(a, 1).includes(str(b, 2)),
  lower: (a) => str(a, 1).toLowerCase(),
  upper: (a) => str(a, 1).toUpperCase(),
};
