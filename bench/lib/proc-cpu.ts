// CPU time a process has used so far (user + system, all its threads), read from
// /proc/<pid>/stat on Linux. The HTTP section divides the server's CPU during a measured
// load by the requests it answered: CPU per request, which the shared machine's noise
// moves much less than requests per second. Elsewhere the reading is null.
import { readFileSync } from 'node:fs';

/** /proc reports utime and stime in USER_HZ ticks, 100 per second on Linux */
const TICK_MS = 10;

export function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name may contain spaces and parentheses: the fields start after the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) * TICK_MS : null;
  } catch {
    return null;
  }
}
