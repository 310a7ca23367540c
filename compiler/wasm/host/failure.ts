// A builtin's own error (OPA's eval_type_error / eval_builtin_error): undefined in the
// default mode, an abort with this code and message in strict mode.
export class BuiltinFailure extends Error {
  constructor(readonly code: 'eval_type_error' | 'eval_builtin_error', message: string) {
    super(message);
    this.name = 'BuiltinFailure';
  }
}

export function typeError(operand: number, want: string, got: unknown): BuiltinFailure {
  return new BuiltinFailure('eval_type_error', `operand ${operand} must be ${want} but got ${typeName(got)}`);
}

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  if (Array.isArray(v)) return 'array';
  return 'object';
}
