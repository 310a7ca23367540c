// Native time builtins:
// time.parse_rfc3339_ns, time.parse_duration_ns, time.date, time.clock, time.weekday,
// time.add_date. Zones come from the built-in table in tz.ts. time.now_ns needs a clock
// the module does not have: it is a host builtin.
import { T_ARRAY, tagOf, lenOf, strPtr, arrGet, opa_array_with_cap, opa_array_append, numRepr, N_INT, numInt } from "./value";
import { alloc } from "./alloc";
import { typeErr, builtinErr, builtinErrS } from "./errors";
import { needStr, needNum, isNum, isStr, intResult, sv, f64Val, strIs, isIntVal, intVal } from "./helpers";
import { daysFromCivil, findZone, offsetAt } from "./tz";
import { namedLayout, formatTime } from "./timefmt";
import { wBegin, wRestore, wBuf, wLen } from "./writer";
import { opa_string } from "./value";

const NS_PER_SEC: i64 = 1000000000;
const NS_PER_DAY: i64 = 86400 * 1000000000;

let cy: i64 = 0, cm: i64 = 0, cd: i64 = 0;
function civilFromDays(z: i64): void {
  z += 719468;
  let era = (z >= 0 ? z : z - 146096) / 146097;
  let doe = z - era * 146097;
  let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  let y = yoe + era * 400;
  let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  let mp = (5 * doy + 2) / 153;
  cd = doy - (153 * mp + 2) / 5 + 1;
  cm = mp < 10 ? mp + 3 : mp - 9;
  cy = m_le2(cm) ? y + 1 : y;
}
function m_le2(m: i64): bool { return m <= 2; }

function floorDiv(a: i64, b: i64): i64 { let q = a / b; if ((a % b != 0) && ((a < 0) != (b < 0))) q--; return q; }

function digits(p: usize, n: u32, at: u32, count: u32): i64 {
  if (at + count > n) return -1;
  let v: i64 = 0;
  for (let i: u32 = 0; i < count; i++) {
    let c = <u32>load<u8>(p + at + i) - 0x30;
    if (c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

export function builtin_time_parse_rfc3339_ns(s: usize): usize {
  if (!needStr("time.parse_rfc3339_ns", 1, s)) return 0;
  let p = strPtr(s), n = lenOf(s);
  let y = digits(p, n, 0, 4), mo = digits(p, n, 5, 2), d = digits(p, n, 8, 2);
  let h = digits(p, n, 11, 2), mi = digits(p, n, 14, 2), se = digits(p, n, 17, 2);
  let ok = y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && h >= 0 && h < 24 && mi >= 0 && mi < 60 && se >= 0 && se < 60 &&
    n >= 20 && load<u8>(p + 4) == 0x2d && load<u8>(p + 7) == 0x2d && (load<u8>(p + 10) == 0x54 || load<u8>(p + 10) == 0x74) &&
    load<u8>(p + 13) == 0x3a && load<u8>(p + 16) == 0x3a;
  let i: u32 = 19;
  let frac: i64 = 0;
  if (ok && i < n && load<u8>(p + i) == 0x2e) {
    i++;
    let k: u32 = 0;
    while (i < n && <u32>load<u8>(p + i) - 0x30 <= 9) { if (k < 9) { frac = frac * 10 + (<i64>load<u8>(p + i) - 0x30); k++; } i++; }
    if (k == 0) ok = false;
    while (k < 9) { frac *= 10; k++; }
  }
  let off: i64 = 0;
  if (ok && i < n && (load<u8>(p + i) == 0x5a || load<u8>(p + i) == 0x7a)) i++;
  else if (ok && i < n && (load<u8>(p + i) == 0x2b || load<u8>(p + i) == 0x2d)) {
    let oh = digits(p, n, i + 1, 2), om = digits(p, n, i + 4, 2);
    if (oh < 0 || om < 0 || i + 3 >= n || load<u8>(p + i + 3) != 0x3a || oh > 23 || om > 59) ok = false;
    else { off = (oh * 60 + om) * 60; if (load<u8>(p + i) == 0x2d) off = -off; i += 6; }
  } else ok = false;
  if (!ok || i != n) return builtinErrS("time.parse_rfc3339_ns", "parsing time \"", s, "\" as RFC3339: invalid format");
  let mdays: i64 = mo == 2 ? ((y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28) : ((mo == 4 || mo == 6 || mo == 9 || mo == 11) ? 30 : 31);
  if (d > mdays) return builtinErrS("time.parse_rfc3339_ns", "parsing time \"", s, "\": day out of range");
  let secs = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
  // representable range of int64 nanoseconds: 1677-09-21T00:12:43.145224192Z to 2262-04-11
  if (secs > 9223372036 || secs < -9223372037) return builtinErr("time.parse_rfc3339_ns", "time outside of valid range");
  // negative times: borrow a second so secs * 1e9 stays inside int64 at the lower edge
  if (secs < 0 && frac > 0) { secs += 1; frac -= NS_PER_SEC; }
  let base = secs * NS_PER_SEC;
  let total = base + frac;
  if (base / NS_PER_SEC != secs || (frac > 0 && total < base) || (frac < 0 && total > base))
    return builtinErr("time.parse_rfc3339_ns", "time outside of valid range");
  return intResult(total);
}

// Go's time.ParseDuration.
export function builtin_time_parse_duration_ns(s: usize): usize {
  if (!needStr("time.parse_duration_ns", 1, s)) return 0;
  let p = strPtr(s), n = lenOf(s);
  let i: u32 = 0;
  let neg = false;
  if (i < n && (load<u8>(p) == 0x2d || load<u8>(p) == 0x2b)) { neg = load<u8>(p) == 0x2d; i++; }
  if (n - i == 1 && load<u8>(p + i) == 0x30) return intResult(0);
  if (i == n) return durErr(s);
  let total: f64 = 0;
  while (i < n) {
    let whole: f64 = 0, frac: f64 = 0, scale: f64 = 1;
    let start = i;
    while (i < n && <u32>load<u8>(p + i) - 0x30 <= 9) { whole = whole * 10 + <f64>(load<u8>(p + i) - 0x30); i++; }
    let pre = i - start;
    let post: u32 = 0;
    if (i < n && load<u8>(p + i) == 0x2e) {
      i++;
      while (i < n && <u32>load<u8>(p + i) - 0x30 <= 9) { frac = frac * 10 + <f64>(load<u8>(p + i) - 0x30); scale *= 10; i++; post++; }
    }
    if (pre == 0 && post == 0) return durErr(s);
    let us = i;
    while (i < n && load<u8>(p + i) != 0x2e && <u32>load<u8>(p + i) - 0x30 > 9) i++;
    let ul = i - us;
    let unit: f64 = 0;
    let c0 = ul > 0 ? load<u8>(p + us) : 0, c1 = ul > 1 ? load<u8>(p + us + 1) : 0;
    if (ul == 2 && c0 == 0x6e && c1 == 0x73) unit = 1;
    else if (ul == 2 && c0 == 0x75 && c1 == 0x73) unit = 1e3;
    else if (ul == 3 && c0 == 0xc2 && c1 == 0xb5 && load<u8>(p + us + 2) == 0x73) unit = 1e3;
    else if (ul == 3 && c0 == 0xce && c1 == 0xbc && load<u8>(p + us + 2) == 0x73) unit = 1e3;
    else if (ul == 2 && c0 == 0x6d && c1 == 0x73) unit = 1e6;
    else if (ul == 1 && c0 == 0x73) unit = 1e9;
    else if (ul == 1 && c0 == 0x6d) unit = 60e9;
    else if (ul == 1 && c0 == 0x68) unit = 3600e9;
    else return ul == 0 ? builtinErrS("time.parse_duration_ns", "time: missing unit in duration \"", s, "\"") :
      builtinErrS("time.parse_duration_ns", "time: unknown unit in duration \"", s, "\"");
    total += whole * unit + frac * unit / scale;
  }
  if (total > 9.223372036854775807e18) return durErr(s);
  return intResult(<i64>(neg ? -total : total));
}

function durErr(s: usize): usize { return builtinErrS("time.parse_duration_ns", "time: invalid duration \"", s, "\""); }

// timeArg reads `ns` or `[ns, tz]` into argNs, shifted to the zone's local time ("" and
// "Local" are UTC: the module has no local zone).
let argNs: i64 = 0;
let argOff: i64 = 0;
let zoned = false;
function timeArg(name: string, x: usize, allowLayout: bool = false): bool {
  let v = x;
  if (tagOf(x) == T_ARRAY) {
    if (lenOf(x) != 2 && !(allowLayout && lenOf(x) == 3)) { typeErr(name, 1, "array of two elements", x); return false; }
    v = arrGet(x, 0);
    let tz = arrGet(x, 1);
    if (!isStr(tz)) { typeErr(name, 1, "array of [number, string]", tz); return false; }
    zoned = lenOf(tz) != 0 && !strIs(tz, "Local");
    if (zoned && !findZone(tz)) {
      builtinErrS(name, "unknown time zone ", tz, "");
      return false;
    }
  } else zoned = false;
  if (!isNum(v)) { typeErr(name, 1, "one of {number, array}", v); return false; }
  argNs = numRepr(v) == N_INT ? numInt(v) : <i64>f64Val(v);
  if (numRepr(v) != N_INT && Math.abs(f64Val(v)) > 9.2e18) { builtinErr(name, "timestamp too big"); return false; }
  argOff = 0;
  if (zoned) {
    let secs = argNs / NS_PER_SEC - (argNs % NS_PER_SEC < 0 ? 1 : 0);
    argOff = offsetAt(secs);
    argNs += argOff * NS_PER_SEC;
  }
  return true;
}

export function builtin_time_date(x: usize): usize {
  if (!timeArg("time.date", x)) return 0;
  civilFromDays(floorDiv(argNs, NS_PER_DAY));
  let out = opa_array_with_cap(3);
  opa_array_append(out, intResult(cy)); opa_array_append(out, intResult(cm)); opa_array_append(out, intResult(cd));
  return out;
}

export function builtin_time_clock(x: usize): usize {
  if (!timeArg("time.clock", x)) return 0;
  let secOfDay = floorDiv(argNs, NS_PER_SEC) - floorDiv(argNs, NS_PER_DAY) * 86400;
  let out = opa_array_with_cap(3);
  opa_array_append(out, intResult(secOfDay / 3600));
  opa_array_append(out, intResult((secOfDay / 60) % 60));
  opa_array_append(out, intResult(secOfDay % 60));
  return out;
}

export function builtin_time_weekday(x: usize): usize {
  if (!timeArg("time.weekday", x)) return 0;
  let days = floorDiv(argNs, NS_PER_DAY);
  let wd = (days + 4) % 7; // 1970-01-01 was a Thursday
  if (wd < 0) wd += 7;
  switch (<i32>wd) {
    case 0: return sv("Sunday");
    case 1: return sv("Monday");
    case 2: return sv("Tuesday");
    case 3: return sv("Wednesday");
    case 4: return sv("Thursday");
    case 5: return sv("Friday");
  }
  return sv("Saturday");
}

export function builtin_time_add_date(t: usize, y: usize, m: usize, d: usize): usize {
  if (!needNum("time.add_date", 1, t) || !needNum("time.add_date", 2, y) || !needNum("time.add_date", 3, m) || !needNum("time.add_date", 4, d)) return 0;
  if (!isIntVal(y) || !isIntVal(m) || !isIntVal(d)) return builtinErr("time.add_date", "operands must be integers");
  let ns = isIntVal(t) ? intVal(t) : <i64>f64Val(t);
  let days = floorDiv(ns, NS_PER_DAY);
  let rem = ns - days * NS_PER_DAY;
  civilFromDays(days);
  let yy = cy + intVal(y), mm = cm + intVal(m), dd = cd + intVal(d);
  // normalise the month like Go's time.Date, then let day overflow roll forward
  mm -= 1;
  yy += floorDiv(mm, 12);
  mm = mm - floorDiv(mm, 12) * 12 + 1;
  let nd = daysFromCivil(yy, mm, 1) + dd - 1;
  if (nd > 106751 || nd < -106752) return builtinErr("time.add_date", "time outside of valid range");
  return intResult(nd * NS_PER_DAY + rem);
}


// local civil fields of argNs (after timeArg), for formatting and diffs
let fy: i64 = 0, fmo: i64 = 0, fd: i64 = 0, fh: i64 = 0, fmi: i64 = 0, fs: i64 = 0, fns: i64 = 0, fwd: i64 = 0, fyday: i64 = 0;
function fields(): void {
  let days = floorDiv(argNs, NS_PER_DAY);
  civilFromDays(days);
  fy = cy; fmo = cm; fd = cd;
  let secs = floorDiv(argNs, NS_PER_SEC);
  fns = argNs - secs * NS_PER_SEC;
  let sod = secs - days * 86400;
  fh = sod / 3600; fmi = (sod / 60) % 60; fs = sod % 60;
  fwd = (days + 4) % 7; if (fwd < 0) fwd += 7;
  fyday = days - daysFromCivil(cy, 1, 1) + 1;
}

// time.format(ns | [ns, tz] | [ns, tz, layout]); the default layout is RFC3339Nano.
export function builtin_time_format(x: usize): usize {
  if (!timeArg("time.format", x, true)) return 0;
  let layout = changetype<usize>("2006-01-02T15:04:05.999999999Z07:00");
  let lp: usize = 0, ln: u32 = 0;
  let ascii = true;
  if (tagOf(x) == T_ARRAY && lenOf(x) == 3) {
    let l = arrGet(x, 2);
    if (!isStr(l)) return typeErr("time.format", 1, "array of [number, string, string]", l);
    let named = namedLayout(strPtr(l), lenOf(l));
    if (named !== null) layout = changetype<usize>(named);
    else { lp = strPtr(l); ln = lenOf(l); ascii = false; }
  }
  if (ascii) {
    // layouts from literals are UTF-16: narrow them to bytes
    let s = changetype<string>(layout);
    ln = <u32>s.length;
    lp = alloc(ln);
    for (let i: u32 = 0; i < ln; i++) store<u8>(lp + i, <u8>s.charCodeAt(i));
  }
  fields();
  let saved = wBegin(40);
  formatTime(lp, ln, fy, fmo, fd, fh, fmi, fs, fns, fwd, fyday, argOff);
  let r = opa_string(wBuf, wLen);
  wRestore(saved);
  return r;
}

function daysIn(y: i64, m: i64): i64 {
  return (m == 12 ? daysFromCivil(y + 1, 1, 1) : daysFromCivil(y, m + 1, 1)) - daysFromCivil(y, m, 1);
}

// time.diff(a, b) = [years, months, days, hours, minutes, seconds] between two times.
export function builtin_time_diff(a: usize, b: usize): usize {
  if (!timeArg("time.diff", a)) return 0;
  let na = argNs, oa = argOff;
  if (!timeArg("time.diff", b)) return 0;
  let nb = argNs, ob = argOff;
  // order by instant (local times minus their offsets)
  if (na - oa * NS_PER_SEC > nb - ob * NS_PER_SEC) { let t = na; na = nb; nb = t; }
  argNs = na; fields();
  let y1 = fy, m1 = fmo, d1 = fd, h1 = fh, mi1 = fmi, s1 = fs;
  argNs = nb; fields();
  let year = fy - y1, month = fmo - m1, day = fd - d1, hour = fh - h1, min = fmi - mi1, sec = fs - s1;
  if (sec < 0) { sec += 60; min--; }
  if (min < 0) { min += 60; hour--; }
  if (hour < 0) { hour += 24; day--; }
  if (day < 0) { day += daysIn(y1, m1); month--; }
  if (month < 0) { month += 12; year--; }
  let out = opa_array_with_cap(6);
  opa_array_append(out, intResult(year)); opa_array_append(out, intResult(month)); opa_array_append(out, intResult(day));
  opa_array_append(out, intResult(hour)); opa_array_append(out, intResult(min)); opa_array_append(out, intResult(sec));
  return out;
}
