// CPU time a process has used so far (user + system, all its threads), read from
// /proc/<pid>/stat on Linux. The HTTP section divides the server's CPU during a measured
// load by the requests it answered: CPU per request, which the shared machine's noise
// moves much less than requests per second. Elsewhere the reading is null.
import { readdirSync, readFileSync } from 'node:fs';

/** /proc reports utime and stime in USER_HZ ticks, 100 per second on Linux */
const TICK_MS = 10;

export function processCpuMs(pid: number): number | null {
  const split = processCpuSplitMs(pid);
  return split === null ? null : split.userMs + split.systemMs;
}

/** User and system (kernel) CPU time apart: the kernel's share is the loopback TCP work. */
export function processCpuSplitMs(pid: number): { readonly userMs: number; readonly systemMs: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name may contain spaces and parentheses: the fields start after the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime) && Number.isFinite(stime) ? { userMs: utime * TICK_MS, systemMs: stime * TICK_MS } : null;
  } catch {
    return null;
  }
}

/** The CPU time of a process and every process under it (a `leash serve --workers N` primary and its workers). */
export function processTreeCpuMs(pid: number): number | null {
  const own = processCpuMs(pid);
  if (own === null) return null;
  let total = own;
  for (const child of childrenOf(pid)) total += processTreeCpuMs(child) ?? 0;
  return total;
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // field 4 (ppid) is the second after the command name's closing ')'
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(name));
    } catch { /* gone meanwhile */ }
  }
  return out;
}

/** The pid of the redis-server whose command line names this port (Redis rows: its CPU per decision), or null. */
export function redisServerPid(port: number): number | null {
  try {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
        if (cmd.startsWith('redis-server') && cmd.includes(`:${port}`)) return Number(name);
      } catch { /* gone meanwhile */ }
    }
  } catch { /* no /proc */ }
  return null;
}
