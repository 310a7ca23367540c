// Run-time errors: aborting through the SDK's opa_abort (it throws the message), and the
// pending-error slot native builtins fill so strict mode can raise what non-strict mode
// turns into undefined.
import { T_STRING, tagOf, lenOf, strPtr } from "./value";
import { wBegin, wRestore, wByte, wBytes, wStr, wInt, wBuf } from "./writer";

@external("env", "opa_abort") declare function opa_abort(p: usize): void;
@external("env", "opa_println") declare function opa_println(p: usize): void;

export let errPending: i32 = 0; // 0 none, 1 type error, 2 builtin error
let errMsg: usize = 0; // NUL-terminated

export function cstrLen(p: usize): u32 {
  let n: u32 = 0;
  while (load<u8>(p + n)) n++;
  return n;
}

// abortWith never returns.
export function abortWith(msg: usize): void {
  opa_abort(msg);
  unreachable();
}

export function abortStr(s: string): void {
  let saved = wBegin(64);
  wStr(s); wByte(0);
  let p = wBuf;
  wRestore(saved);
  abortWith(p);
}

export function leash_error(code: usize, file: usize, row: i32, msg: usize): void {
  let saved = wBegin(128);
  wBytes(file, cstrLen(file)); wByte(0x3a);
  wInt(row);
  wStr(": "); wBytes(code, cstrLen(code)); wStr(": "); wBytes(msg, cstrLen(msg)); wByte(0);
  let p = wBuf;
  wRestore(saved);
  abortWith(p);
}

export function leash_builtin_error_pending(): i32 { return errPending != 0 ? 1 : 0; }

export function leash_builtin_error_raise(file: usize, row: i32): void {
  if (!errPending) return;
  let code = errPending == 1 ? "eval_type_error" : "eval_builtin_error";
  errPending = 0;
  let saved = wBegin(128);
  wBytes(file, cstrLen(file)); wByte(0x3a); wInt(row);
  wStr(": "); wStr(code); wStr(": "); wBytes(errMsg, cstrLen(errMsg)); wByte(0);
  let p = wBuf;
  wRestore(saved);
  abortWith(p);
}

export function clearError(): void { errPending = 0; }

// ---- helpers used by builtins; each returns 0 so callers can `return typeErr(...)` ----

export function typeName(v: usize): string {
  switch (tagOf(v)) {
    case 1: return "null";
    case 2: return "boolean";
    case 3: return "number";
    case 4: return "string";
    case 5: return "array";
    case 6: return "object";
    case 7: return "set";
  }
  return "undefined";
}

function setError(kind: i32): void {
  wByte(0);
  errMsg = wBuf;
  errPending = kind;
}

// typeErr: "<name>: operand <n> must be <want> but got <type of v>"
export function typeErr(name: string, n: i32, want: string, v: usize): usize {
  let saved = wBegin(96);
  wStr(name); wStr(": operand "); wInt(n); wStr(" must be "); wStr(want);
  wStr(" but got "); wStr(typeName(v));
  setError(1);
  wRestore(saved);
  return 0;
}

// typeErrContaining: "<name>: operand <n> must be array of strings but got array containing <type>"
export function typeErrContaining(name: string, n: i32, x: usize): usize {
  let saved = wBegin(96);
  wStr(name); wStr(": operand "); wInt(n); wStr(" must be array of strings but got array containing "); wStr(typeName(x));
  setError(1);
  wRestore(saved);
  return 0;
}

// typeErrMsg: "<name>: operand <n> <msg>" as a type error.
export function typeErrMsg(name: string, n: i32, msg: string): usize {
  let saved = wBegin(96);
  wStr(name); wStr(": operand "); wInt(n); wStr(" "); wStr(msg);
  setError(1);
  wRestore(saved);
  return 0;
}

// builtinErr: "<name>: <msg>" as a builtin error.
export function builtinErr(name: string, msg: string): usize {
  let saved = wBegin(96);
  if (name.length) { wStr(name); wStr(": "); }
  wStr(msg);
  setError(2);
  wRestore(saved);
  return 0;
}

// builtinErrV: like builtinErr with a value's raw string bytes appended.
export function builtinErrS(name: string, msg: string, s: usize, tail: string): usize {
  let saved = wBegin(96);
  if (name.length) { wStr(name); wStr(": "); }
  wStr(msg);
  if (s && tagOf(s) == T_STRING) wBytes(strPtr(s), lenOf(s));
  wStr(tail);
  setError(2);
  wRestore(saved);
  return 0;
}

export function println(s: string): void {
  let saved = wBegin(64);
  wStr(s); wByte(0);
  let p = wBuf;
  wRestore(saved);
  opa_println(p);
}
