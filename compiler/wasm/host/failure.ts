// A builtin's own error (OPA's eval_type_error / eval_builtin_error): undefined in the
// default mode, an abort with this code and message in strict mode.
export class BuiltinFailure extends Error {
  constructor(readonly code: 'eval_type_error' | 'eval_builtin_error', message: string) {
    super(message);
    this.name = 'BuiltinFailure';
  }
}
