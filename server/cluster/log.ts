// The primary's log: one JSON line per event on stdout, in pino's shape (level number, time,
// pid, msg), so a log collector reads the primary and the workers' Fastify logs alike. The
// primary has no Fastify app and needs only a handful of lines.
const LEVELS = { fatal: 60, error: 50, warn: 40, info: 30, debug: 20, trace: 10, silent: Infinity } as const;

export interface PrimaryLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export function createPrimaryLog(level: string, write: (line: string) => void = (line) => process.stdout.write(line)): PrimaryLog {
  const threshold = LEVELS[level as keyof typeof LEVELS] ?? LEVELS.info;
  const at = (n: number) => (obj: object, msg: string) => {
    if (n < threshold) return;
    write(`${JSON.stringify({ level: n, time: Date.now(), pid: process.pid, role: 'primary', ...obj, msg })}\n`);
  };
  return { info: at(LEVELS.info), error: at(LEVELS.error) };
}
