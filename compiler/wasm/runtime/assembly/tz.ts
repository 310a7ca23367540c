// Time zones for the time builtins: a built-in table of common IANA zones with their
// standard offset and today's daylight-saving rule (US, EU, southern Australia, New
// Zealand), applied to every year. Zones not listed are reported as unknown.
import { lenOf, strPtr } from "./value";

const RULE_NONE = 0, RULE_US = 1, RULE_EU = 2, RULE_AU = 3, RULE_NZ = 4;

// zone table: "name|stdMinutes|rule;" entries in one ASCII string
// (one literal: a concatenation would be computed in a start function)
const ZONES = "UTC|0|0;Etc/UTC|0|0;GMT|0|0;Etc/GMT|0|0;Z|0|0;America/New_York|-300|1;America/Detroit|-300|1;America/Toronto|-300|1;America/Chicago|-360|1;America/Denver|-420|1;America/Phoenix|-420|0;America/Los_Angeles|-480|1;America/Vancouver|-480|1;America/Anchorage|-540|1;Pacific/Honolulu|-600|0;America/Halifax|-240|1;America/Mexico_City|-360|0;America/Sao_Paulo|-180|0;America/Bogota|-300|0;America/Lima|-300|0;America/Argentina/Buenos_Aires|-180|0;US/Eastern|-300|1;US/Central|-360|1;US/Mountain|-420|1;US/Pacific|-480|1;Europe/London|0|2;Europe/Dublin|0|2;Europe/Lisbon|0|2;Atlantic/Reykjavik|0|0;Europe/Paris|60|2;Europe/Berlin|60|2;Europe/Madrid|60|2;Europe/Rome|60|2;Europe/Amsterdam|60|2;Europe/Brussels|60|2;Europe/Vienna|60|2;Europe/Zurich|60|2;Europe/Stockholm|60|2;Europe/Oslo|60|2;Europe/Copenhagen|60|2;Europe/Warsaw|60|2;Europe/Prague|60|2;Europe/Budapest|60|2;Europe/Belgrade|60|2;Europe/Luxembourg|60|2;CET|60|2;Europe/Athens|120|2;Europe/Helsinki|120|2;Europe/Kiev|120|2;Europe/Kyiv|120|2;Europe/Bucharest|120|2;Europe/Sofia|120|2;Europe/Riga|120|2;Europe/Vilnius|120|2;Europe/Tallinn|120|2;EET|120|2;Europe/Istanbul|180|0;Europe/Moscow|180|0;Africa/Cairo|120|0;Africa/Johannesburg|120|0;Africa/Lagos|60|0;Africa/Nairobi|180|0;Asia/Dubai|240|0;Asia/Karachi|300|0;Asia/Kolkata|330|0;Asia/Calcutta|330|0;Asia/Kathmandu|345|0;Asia/Dhaka|360|0;Asia/Bangkok|420|0;Asia/Jakarta|420|0;Asia/Ho_Chi_Minh|420|0;Asia/Shanghai|480|0;Asia/Hong_Kong|480|0;Asia/Singapore|480|0;Asia/Taipei|480|0;Asia/Manila|480|0;Australia/Perth|480|0;Asia/Tokyo|540|0;Asia/Seoul|540|0;Australia/Brisbane|600|0;Australia/Sydney|600|3;Australia/Melbourne|600|3;Australia/Hobart|600|3;Australia/Canberra|600|3;Australia/Adelaide|570|3;Australia/Darwin|570|0;Pacific/Auckland|720|4;";

export let tzStd: i32 = 0;
export let tzRule: i32 = 0;

// findZone looks a zone name up; returns false when it is not in the table.
export function findZone(name: usize): bool {
  let p = strPtr(name), n = lenOf(name);
  let z = changetype<usize>(ZONES), zl = ZONES.length;
  let i = 0;
  while (i < zl) {
    // compare the entry's name (UTF-16 in the literal) with the value's bytes
    let j = i, k: u32 = 0, match = true;
    while (j < zl && load<u16>(z + (<usize>j << 1)) != 0x7c) {
      if (k >= n || <u32>load<u16>(z + (<usize>j << 1)) != <u32>load<u8>(p + k)) match = false;
      j++; k++;
    }
    if (k != n) match = false;
    j++;
    let sign: i32 = 1, std: i32 = 0;
    if (load<u16>(z + (<usize>j << 1)) == 0x2d) { sign = -1; j++; }
    while (load<u16>(z + (<usize>j << 1)) != 0x7c) { std = std * 10 + <i32>(load<u16>(z + (<usize>j << 1)) - 0x30); j++; }
    j++;
    let rule = <i32>(load<u16>(z + (<usize>j << 1)) - 0x30);
    j += 2;
    if (match) { tzStd = sign * std * 60; tzRule = rule; return true; }
    i = j;
  }
  return false;
}

// ---- calendar helpers ----
// daysFromCivil: days since 1970-01-01 for a proleptic Gregorian date (Hinnant's algorithm).
export function daysFromCivil(y: i64, m: i64, d: i64): i64 {
  y -= m <= 2 ? 1 : 0;
  let era = (y >= 0 ? y : y - 399) / 400;
  let yoe = y - era * 400;
  let mp = (m + 9) % 12;
  let doy = (153 * mp + 2) / 5 + d - 1;
  let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

function weekday(days: i64): i64 { let w = (days + 4) % 7; return w < 0 ? w + 7 : w; } // 0 = Sunday

function nthSunday(y: i64, m: i64, nth: i64): i64 {
  let d1 = daysFromCivil(y, m, 1);
  return d1 + (7 - weekday(d1)) % 7 + 7 * (nth - 1);
}

function lastSunday(y: i64, m: i64): i64 {
  let last = (m == 12 ? daysFromCivil(y + 1, 1, 1) : daysFromCivil(y, m + 1, 1)) - 1;
  return last - weekday(last);
}

function yearOf(secs: i64): i64 {
  // civil year of a UTC time (days → year via the inverse of daysFromCivil)
  let z = (secs >= 0 ? secs / 86400 : (secs - 86399) / 86400) + 719468;
  let era = (z >= 0 ? z : z - 146096) / 146097;
  let doe = z - era * 146097;
  let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  let mp = (5 * doy + 2) / 153;
  let m = mp < 10 ? mp + 3 : mp - 9;
  return yoe + era * 400 + (m <= 2 ? 1 : 0);
}

// offsetAt returns the zone's UTC offset in seconds at UTC time `secs` (after findZone).
export function offsetAt(secs: i64): i64 {
  let std = <i64>tzStd;
  if (tzRule == RULE_NONE) return std;
  let y = yearOf(secs);
  let start: i64 = 0, end: i64 = 0;
  if (tzRule == RULE_US) {
    start = nthSunday(y, 3, 2) * 86400 + 7200 - std;         // 02:00 local standard
    end = nthSunday(y, 11, 1) * 86400 + 7200 - (std + 3600);  // 02:00 local daylight
    return secs >= start && secs < end ? std + 3600 : std;
  }
  if (tzRule == RULE_EU) {
    start = lastSunday(y, 3) * 86400 + 3600;                  // 01:00 UTC
    end = lastSunday(y, 10) * 86400 + 3600;
    return secs >= start && secs < end ? std + 3600 : std;
  }
  // southern hemisphere: daylight time spans the new year
  if (tzRule == RULE_AU) {
    end = nthSunday(y, 4, 1) * 86400 + 10800 - (std + 3600);  // 03:00 local daylight
    start = nthSunday(y, 10, 1) * 86400 + 7200 - std;         // 02:00 local standard
  } else {
    end = nthSunday(y, 4, 1) * 86400 + 10800 - (std + 3600);
    start = lastSunday(y, 9) * 86400 + 7200 - std;
  }
  return secs < end || secs >= start ? std + 3600 : std;
}
