// What machine a run measured: core count, CPU model (from /proc/cpuinfo), Node version,
// load average when the file is written. Printed at the top of RESULTS.md so numbers carry
// their context (a high load average means other work shared the cores).
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  readonly cores: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly platform: string;
  readonly memoryGiB: number;
  readonly loadAverage: readonly number[];
}

function cpuModelFromProc(): string | null {
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    const match = /^model name\s*:\s*(.+)$/m.exec(text);
    return match ? match[1]!.trim() : null;
  } catch {
    return null;
  }
}

export function describeMachine(): MachineInfo {
  return {
    cores: os.availableParallelism ? os.availableParallelism() : os.cpus().length,
    cpuModel: cpuModelFromProc() ?? os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
