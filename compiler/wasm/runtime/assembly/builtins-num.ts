// Native builtins: comparison operators, arithmetic, rounding, numbers.range and the
// aggregates (count sum product max min sort all any).
import {
  T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET, N_INT, tagOf, lenOf, arrGet, numRepr, numInt,
  compare, equal, opa_boolean, opa_array_with_cap, opa_array_append, copyVec,
  setWithCap, pushRaw, setContains, utf8Count, strPtr,
} from "./value";
import { typeErr, builtinErr } from "./errors";
import { isNum, isSet, isArr, isIntVal, intVal, f64Val, numberResult, intResult, needNum } from "./helpers";
import { toDec, addDec, mulDec, decToValue } from "./decimal";
import { refIsInteger } from "./number";

const N_FLOAT: u32 = 1;

// exactOrFloat: the exact decimal result when neither operand is an f64 (and the result
// stays a sane size), else the f64 one.
function exact(d: usize): usize { return d ? decToValue(d) : 0; }

function addNumbers(a: usize, b: usize, negateB: bool): usize {
  if (bothInt(a, b)) {
    let x = numInt(a), y = numInt(b), r = negateB ? x - y : x + y;
    if (negateB ? ((x ^ y) & (x ^ r)) >= 0 : ((x ^ r) & (y ^ r)) >= 0) return intResult(r);
  }
  if (numRepr(a) != N_FLOAT && numRepr(b) != N_FLOAT) {
    let r = exact(addDec(toDec(a), toDec(b), negateB));
    if (r) return r;
  }
  return numberResult(negateB ? f64Val(a) - f64Val(b) : f64Val(a) + f64Val(b));
}

function mulNumbers(a: usize, b: usize): usize {
  if (bothInt(a, b)) {
    let x = numInt(a), y = numInt(b);
    let ax = x < 0 ? -x : x, ay = y < 0 ? -y : y;
    if (ax < 0x80000000 && ay < 0x80000000) return intResult(x * y);
  }
  if (numRepr(a) != N_FLOAT && numRepr(b) != N_FLOAT) {
    let r = exact(mulDec(toDec(a), toDec(b)));
    if (r) return r;
  }
  return numberResult(f64Val(a) * f64Val(b));
}

export function builtin_equal(a: usize, b: usize): usize { return opa_boolean(equal(a, b) ? 1 : 0); }
export function builtin_neq(a: usize, b: usize): usize { return opa_boolean(equal(a, b) ? 0 : 1); }
export function builtin_lt(a: usize, b: usize): usize { return opa_boolean(compare(a, b) < 0 ? 1 : 0); }
export function builtin_lte(a: usize, b: usize): usize { return opa_boolean(compare(a, b) <= 0 ? 1 : 0); }
export function builtin_gt(a: usize, b: usize): usize { return opa_boolean(compare(a, b) > 0 ? 1 : 0); }
export function builtin_gte(a: usize, b: usize): usize { return opa_boolean(compare(a, b) >= 0 ? 1 : 0); }

// @ts-ignore: decorator
@inline function bothInt(a: usize, b: usize): bool { return numRepr(a) == N_INT && numRepr(b) == N_INT; }

export function builtin_plus(a: usize, b: usize): usize {
  if (!needNum("plus", 1, a) || !needNum("plus", 2, b)) return 0;
  return addNumbers(a, b, false);
}

function setDiff(a: usize, b: usize): usize {
  let n = lenOf(a);
  let out = setWithCap(n);
  for (let i: u32 = 0; i < n; i++) { let x = arrGet(a, i); if (!setContains(b, x)) pushRaw(out, x, 0); }
  return out;
}

export function builtin_minus(a: usize, b: usize): usize {
  let an = isNum(a), bn = isNum(b), as = isSet(a), bs = isSet(b);
  if (an && bn) return addNumbers(a, b, true);
  if (as && bs) return setDiff(a, b);
  if (!an && !as) return typeErr("minus", 1, "one of {number, set}", a);
  if (bn) return typeErr("minus", 2, "set", b);
  return typeErr("minus", 2, "number", b);
}

export function builtin_mul(a: usize, b: usize): usize {
  if (!needNum("mul", 1, a) || !needNum("mul", 2, b)) return 0;
  return mulNumbers(a, b);
}

export function builtin_div(a: usize, b: usize): usize {
  if (!needNum("div", 1, a) || !needNum("div", 2, b)) return 0;
  let y = f64Val(b);
  if (y == 0) return builtinErr("div", "divide by zero");
  if (bothInt(a, b)) {
    let xi = numInt(a), yi = numInt(b);
    if (xi % yi == 0) return intResult(xi / yi);
  }
  return numberResult(f64Val(a) / y);
}

export function builtin_rem(a: usize, b: usize): usize {
  if (!needNum("rem", 1, a) || !needNum("rem", 2, b)) return 0;
  if (!isIntVal(a) || !isIntVal(b)) return builtinErr("rem", "modulo on floating-point number");
  let y = intVal(b);
  if (y == 0) return builtinErr("rem", "modulo by zero");
  return intResult(intVal(a) % y);
}

export function builtin_abs(a: usize): usize {
  if (!needNum("abs", 1, a)) return 0;
  if (numRepr(a) == N_INT) { let x = numInt(a); if (x != i64.MIN_VALUE) return intResult(x < 0 ? -x : x); }
  if (numRepr(a) != N_FLOAT) { let r = exact(addDec(toDec(intResult(0)), toDec(a), f64Val(a) < 0)); if (r) return r; }
  return numberResult(Math.abs(f64Val(a)));
}

export function builtin_round(a: usize): usize {
  if (!needNum("round", 1, a)) return 0;
  if (numRepr(a) == N_INT || (numRepr(a) == 2 && refIsInteger(strPtr(a), lenOf(a)))) return a;
  let x = f64Val(a);
  let r = x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
  return numberResult(r);
}

export function builtin_ceil(a: usize): usize {
  if (!needNum("ceil", 1, a)) return 0;
  if (numRepr(a) == N_INT || (numRepr(a) == 2 && refIsInteger(strPtr(a), lenOf(a)))) return a;
  return numberResult(Math.ceil(f64Val(a)));
}

export function builtin_floor(a: usize): usize {
  if (!needNum("floor", 1, a)) return 0;
  if (numRepr(a) == N_INT || (numRepr(a) == 2 && refIsInteger(strPtr(a), lenOf(a)))) return a;
  return numberResult(Math.floor(f64Val(a)));
}

function range(name: string, a: usize, b: usize, step: i64): usize {
  let x = intVal(a), y = intVal(b);
  let n: i64 = (x <= y ? y - x : x - y) / step + 1;
  if (n > 10000000) return builtinErr(name, "range too large");
  let out = opa_array_with_cap(<u32>n);
  if (x <= y) for (let i = x; i <= y; i += step) opa_array_append(out, intResult(i));
  else for (let i = x; i >= y; i -= step) opa_array_append(out, intResult(i));
  return out;
}

export function builtin_numbers_range(a: usize, b: usize): usize {
  if (!needNum("numbers.range", 1, a) || !needNum("numbers.range", 2, b)) return 0;
  if (!isIntVal(a)) return typeErr("numbers.range", 1, "integer number", a);
  if (!isIntVal(b)) return typeErr("numbers.range", 2, "integer number", b);
  return range("numbers.range", a, b, 1);
}

export function builtin_numbers_range_step(a: usize, b: usize, s: usize): usize {
  if (!needNum("numbers.range_step", 1, a) || !needNum("numbers.range_step", 2, b) || !needNum("numbers.range_step", 3, s)) return 0;
  if (!isIntVal(a)) return typeErr("numbers.range_step", 1, "integer number", a);
  if (!isIntVal(b)) return typeErr("numbers.range_step", 2, "integer number", b);
  if (!isIntVal(s)) return typeErr("numbers.range_step", 3, "integer number", s);
  if (intVal(s) <= 0) return builtinErr("numbers.range_step", "step must be a positive number above zero");
  return range("numbers.range_step", a, b, intVal(s));
}

// ---- aggregates ----

export function builtin_count(a: usize): usize {
  let t = tagOf(a);
  if (t == T_STRING) return intResult(<i64>utf8Count(strPtr(a), lenOf(a)));
  if (t == T_ARRAY || t == T_OBJECT || t == T_SET) return intResult(<i64>lenOf(a));
  return typeErr("count", 1, "one of {array, object, set, string}", a);
}

function collection(name: string, a: usize): bool {
  let t = tagOf(a);
  if (t == T_ARRAY || t == T_SET) return true;
  typeErr(name, 1, "one of {array, set}", a);
  return false;
}

export function builtin_sum(a: usize): usize {
  if (!collection("sum", a)) return 0;
  let n = lenOf(a);
  let acc = intResult(0);
  for (let i: u32 = 0; i < n; i++) {
    let x = arrGet(a, i);
    if (tagOf(x) != T_NUMBER) return typeErr("sum", 1, "array of numbers", x);
    acc = addNumbers(acc, x, false);
  }
  return acc;
}

export function builtin_product(a: usize): usize {
  if (!collection("product", a)) return 0;
  let n = lenOf(a);
  let acc = intResult(1);
  for (let i: u32 = 0; i < n; i++) {
    let x = arrGet(a, i);
    if (tagOf(x) != T_NUMBER) return typeErr("product", 1, "array of numbers", x);
    acc = mulNumbers(acc, x);
  }
  return acc;
}

export function builtin_max(a: usize): usize {
  if (!collection("max", a)) return 0;
  let n = lenOf(a);
  if (n == 0) return 0;
  if (tagOf(a) == T_SET) return arrGet(a, n - 1);
  let m = arrGet(a, 0);
  for (let i: u32 = 1; i < n; i++) { let x = arrGet(a, i); if (compare(x, m) > 0) m = x; }
  return m;
}

export function builtin_min(a: usize): usize {
  if (!collection("min", a)) return 0;
  let n = lenOf(a);
  if (n == 0) return 0;
  if (tagOf(a) == T_SET) return arrGet(a, 0);
  let m = arrGet(a, 0);
  for (let i: u32 = 1; i < n; i++) { let x = arrGet(a, i); if (compare(x, m) < 0) m = x; }
  return m;
}

export function builtin_sort(a: usize): usize {
  if (!collection("sort", a)) return 0;
  let c = copyVec(a, 0);
  store<u8>(c, <u8>T_ARRAY);
  if (tagOf(a) == T_ARRAY) sortStable(c);
  return c;
}

// sortStable sorts an array's elements in OPA order, keeping duplicates.
function sortStable(c: usize): void {
  let n = lenOf(c);
  // insertion sort for short arrays, else sort via a set-with-counts detour would lose
  // duplicates, so use a simple bottom-up merge on a scratch copy.
  if (n < 2) return;
  let tmp = copyVec(c, 0);
  let src = tmp, dst = c;
  for (let width: u32 = 1; width < n; width <<= 1) {
    for (let lo: u32 = 0; lo < n; lo += width << 1) {
      let mid = min(lo + width, n), hi = min(lo + (width << 1), n);
      let i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        if (compare(arrGet(src, j), arrGet(src, i)) < 0) { store<u32>(load<u32>(dst, 12) + (<usize>k << 2), <u32>arrGet(src, j)); j++; }
        else { store<u32>(load<u32>(dst, 12) + (<usize>k << 2), <u32>arrGet(src, i)); i++; }
        k++;
      }
      while (i < mid) { store<u32>(load<u32>(dst, 12) + (<usize>k << 2), <u32>arrGet(src, i)); i++; k++; }
      while (j < hi) { store<u32>(load<u32>(dst, 12) + (<usize>k << 2), <u32>arrGet(src, j)); j++; k++; }
    }
    let t = src; src = dst; dst = t;
  }
  if (src != c) memory.copy(<usize>load<u32>(c, 12), <usize>load<u32>(src, 12), <usize>n << 2);
}

export function builtin_all(a: usize): usize {
  if (!collection("all", a)) return 0;
  let n = lenOf(a);
  for (let i: u32 = 0; i < n; i++) { let x = arrGet(a, i); if (!(tagOf(x) == 2 && load<u8>(x, 1))) return opa_boolean(0); }
  return opa_boolean(1);
}

export function builtin_any(a: usize): usize {
  if (!collection("any", a)) return 0;
  let n = lenOf(a);
  for (let i: u32 = 0; i < n; i++) { let x = arrGet(a, i); if (tagOf(x) == 2 && load<u8>(x, 1)) return opa_boolean(1); }
  return opa_boolean(0);
}

