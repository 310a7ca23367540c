// Bitwise builtins (rare in authorization policies, so served by the host). Operands must
// be integers; OPA's error otherwise.
import { BuiltinFailure } from './failure.ts';

function int(v: unknown, i: number, _name: string): bigint {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new BuiltinFailure('eval_type_error', `operand ${i} must be integer number but got ${typeof v === 'number' ? 'floating-point number' : typeof v}`);
  }
  return BigInt(v);
}

const out = (b: bigint): number => Number(b);

export const bitsBuiltins: Record<string, (...args: unknown[]) => unknown> = {
  'bits.and': (a, b) => out(int(a, 1, 'bits.and') & int(b, 2, 'bits.and')),
  'bits.or': (a, b) => out(int(a, 1, 'bits.or') | int(b, 2, 'bits.or')),
  'bits.xor': (a, b) => out(int(a, 1, 'bits.xor') ^ int(b, 2, 'bits.xor')),
  'bits.negate': (a) => out(~int(a, 1, 'bits.negate')),
  'bits.lsh': (a, b) => out(int(a, 1, 'bits.lsh') << int(b, 2, 'bits.lsh')),
  'bits.rsh': (a, b) => out(int(a, 1, 'bits.rsh') >> int(b, 2, 'bits.rsh')),
};
