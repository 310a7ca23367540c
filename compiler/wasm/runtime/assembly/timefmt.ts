// Go time layouts for time.format: the reference-time tokens (2006 01 Jan January 02 _2 15
// 03 04 05 PM Mon Monday MST Z07:00 -0700 .000 .999 ...) and the named layouts (RFC3339,
// DateTime, ...), written into the shared writer. Not exported from the module.
import { wByte, wBytes, wStr } from "./writer";

// layout names OPA accepts, mapped to their Go layout strings
export function namedLayout(p: usize, n: u32): string | null {
  // compare against each name; a small linear table keeps this free of allocations
  if (eq(p, n, "ANSIC")) return "Mon Jan _2 15:04:05 2006";
  if (eq(p, n, "UnixDate")) return "Mon Jan _2 15:04:05 MST 2006";
  if (eq(p, n, "RubyDate")) return "Mon Jan 02 15:04:05 -0700 2006";
  if (eq(p, n, "RFC822")) return "02 Jan 06 15:04 MST";
  if (eq(p, n, "RFC822Z")) return "02 Jan 06 15:04 -0700";
  if (eq(p, n, "RFC850")) return "Monday, 02-Jan-06 15:04:05 MST";
  if (eq(p, n, "RFC1123")) return "Mon, 02 Jan 2006 15:04:05 MST";
  if (eq(p, n, "RFC1123Z")) return "Mon, 02 Jan 2006 15:04:05 -0700";
  if (eq(p, n, "RFC3339")) return "2006-01-02T15:04:05Z07:00";
  if (eq(p, n, "RFC3339Nano")) return "2006-01-02T15:04:05.999999999Z07:00";
  if (eq(p, n, "Kitchen")) return "3:04PM";
  if (eq(p, n, "Stamp")) return "Jan _2 15:04:05";
  if (eq(p, n, "StampMilli")) return "Jan _2 15:04:05.000";
  if (eq(p, n, "StampMicro")) return "Jan _2 15:04:05.000000";
  if (eq(p, n, "StampNano")) return "Jan _2 15:04:05.000000000";
  if (eq(p, n, "DateTime")) return "2006-01-02 15:04:05";
  if (eq(p, n, "DateOnly")) return "2006-01-02";
  if (eq(p, n, "TimeOnly")) return "15:04:05";
  return null;
}

function eq(p: usize, n: u32, s: string): bool {
  if (<u32>s.length != n) return false;
  for (let i: u32 = 0; i < n; i++) if (<u32>load<u8>(p + i) != <u32>s.charCodeAt(i)) return false;
  return true;
}

function at(p: usize, n: u32, i: u32, s: string): bool {
  let l = <u32>s.length;
  if (i + l > n) return false;
  for (let k: u32 = 0; k < l; k++) if (<u32>load<u8>(p + i + k) != <u32>s.charCodeAt(k)) return false;
  return true;
}

const PADBUF = memory.data(24);

function pad(v: i64, width: i32, fill: u32): void {
  let digits: i32 = 1;
  for (let t = v; t >= 10; t /= 10) digits++;
  for (let i = digits; i < width; i++) wByte(fill);
  let buf = PADBUF;
  let k = 0;
  let u = v;
  do { store<u8>(buf + k, <u8>(0x30 + <i32>(u % 10))); u /= 10; k++; } while (u > 0);
  while (k > 0) { k--; wByte(load<u8>(buf + k)); }
}

function monthName(m: i64, long: bool): string {
  switch (<i32>m) {
    case 1: return long ? "January" : "Jan"; case 2: return long ? "February" : "Feb";
    case 3: return long ? "March" : "Mar"; case 4: return long ? "April" : "Apr";
    case 5: return "May"; case 6: return long ? "June" : "Jun";
    case 7: return long ? "July" : "Jul"; case 8: return long ? "August" : "Aug";
    case 9: return long ? "September" : "Sep"; case 10: return long ? "October" : "Oct";
    case 11: return long ? "November" : "Nov";
  }
  return long ? "December" : "Dec";
}

function dayName(wd: i64, long: bool): string {
  switch (<i32>wd) {
    case 0: return long ? "Sunday" : "Sun"; case 1: return long ? "Monday" : "Mon";
    case 2: return long ? "Tuesday" : "Tue"; case 3: return long ? "Wednesday" : "Wed";
    case 4: return long ? "Thursday" : "Thu"; case 5: return long ? "Friday" : "Fri";
  }
  return long ? "Saturday" : "Sat";
}

function writeOffset(off: i64, colon: bool, zForUTC: bool, hoursOnly: bool): void {
  if (zForUTC && off == 0) { wByte(0x5a); return; }
  wByte(off < 0 ? 0x2d : 0x2b);
  let a = off < 0 ? -off : off;
  pad(a / 3600, 2, 0x30);
  if (hoursOnly) return;
  if (colon) wByte(0x3a);
  pad((a / 60) % 60, 2, 0x30);
}

// formatTime writes local civil time fields with Go layout `lp[0..ln)`.
export function formatTime(lp: usize, ln: u32, y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, ns: i64,
  wd: i64, yday: i64, off: i64): void {
  let i: u32 = 0;
  while (i < ln) {
    if (at(lp, ln, i, "January")) { wStr(monthName(mo, true)); i += 7; continue; }
    if (at(lp, ln, i, "Jan")) { wStr(monthName(mo, false)); i += 3; continue; }
    if (at(lp, ln, i, "Monday")) { wStr(dayName(wd, true)); i += 6; continue; }
    if (at(lp, ln, i, "Mon")) { wStr(dayName(wd, false)); i += 3; continue; }
    if (at(lp, ln, i, "MST")) { if (off == 0) wStr("UTC"); else writeOffset(off, false, false, false); i += 3; continue; }
    if (at(lp, ln, i, "2006")) { pad(y, 4, 0x30); i += 4; continue; }
    if (at(lp, ln, i, "002")) { pad(yday, 3, 0x30); i += 3; continue; }
    if (at(lp, ln, i, "01")) { pad(mo, 2, 0x30); i += 2; continue; }
    if (at(lp, ln, i, "02")) { pad(d, 2, 0x30); i += 2; continue; }
    if (at(lp, ln, i, "03")) { pad(h % 12 == 0 ? 12 : h % 12, 2, 0x30); i += 2; continue; }
    if (at(lp, ln, i, "04")) { pad(mi, 2, 0x30); i += 2; continue; }
    if (at(lp, ln, i, "05")) { pad(s, 2, 0x30); i += 2; continue; }
    if (at(lp, ln, i, "06")) { pad(y % 100, 2, 0x30); i += 2; continue; }
    if (at(lp, ln, i, "15")) { pad(h, 2, 0x30); i += 2; continue; }
    if (at(lp, ln, i, "_2")) { pad(d, 2, 0x20); i += 2; continue; }
    if (at(lp, ln, i, "Z07:00")) { writeOffset(off, true, true, false); i += 6; continue; }
    if (at(lp, ln, i, "Z0700")) { writeOffset(off, false, true, false); i += 5; continue; }
    if (at(lp, ln, i, "Z07")) { writeOffset(off, false, true, true); i += 3; continue; }
    if (at(lp, ln, i, "-07:00")) { writeOffset(off, true, false, false); i += 6; continue; }
    if (at(lp, ln, i, "-0700")) { writeOffset(off, false, false, false); i += 5; continue; }
    if (at(lp, ln, i, "-07")) { writeOffset(off, false, false, true); i += 3; continue; }
    if (at(lp, ln, i, "PM")) { wStr(h >= 12 ? "PM" : "AM"); i += 2; continue; }
    if (at(lp, ln, i, "pm")) { wStr(h >= 12 ? "pm" : "am"); i += 2; continue; }
    let c = load<u8>(lp + i);
    if ((c == 0x2e || c == 0x2c) && i + 1 < ln && (load<u8>(lp + i + 1) == 0x30 || load<u8>(lp + i + 1) == 0x39)) {
      let digit = load<u8>(lp + i + 1);
      let j = i + 1;
      while (j < ln && load<u8>(lp + j) == digit) j++;
      // only a fraction when not followed by another digit
      if (!(j < ln && <u32>load<u8>(lp + j) - 0x30 <= 9)) {
        let width = <i32>(j - i - 1);
        let frac = ns;
        for (let k = width; k < 9; k++) frac /= 10;
        if (digit == 0x30) { wByte(c); pad(frac, width, 0x30); }
        else {
          // .999: trailing zeros trimmed, nothing at all for zero
          let w = width;
          while (w > 0 && frac % 10 == 0) { frac /= 10; w--; }
          if (w > 0) { wByte(c); pad(frac, w, 0x30); }
        }
        i = j;
        continue;
      }
    }
    if (c == 0x31) { pad(mo, 1, 0x30); i++; continue; }
    if (c == 0x32) { pad(d, 1, 0x30); i++; continue; }
    if (c == 0x33) { pad(h % 12 == 0 ? 12 : h % 12, 1, 0x30); i++; continue; }
    if (c == 0x34) { pad(mi, 1, 0x30); i++; continue; }
    if (c == 0x35) { pad(s, 1, 0x30); i++; continue; }
    wBytes(lp + i, 1);
    i++;
  }
}
