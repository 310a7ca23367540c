// Files one process owns, made per worker when several workers run: the audit file (each
// rotates its own by size; two processes rotating one file would lose lines), the decision-log
// spool (a folder one live process holds, by its lock file) and the persisted remote bundle
// (written through one fixed .tmp name). Slot numbers (1..N) are stable across a worker's
// restarts, so a replaced worker takes over its predecessor's spool and audit file.
import { basename, dirname, extname, join } from 'node:path';
import type { LeashConfig } from '../config/index.ts';

/** `audit.jsonl` → `audit.worker-2.jsonl` (beside it, same extension). */
export function perWorkerFile(path: string, slot: number): string {
  const ext = extname(path);
  return join(dirname(path), `${basename(path, ext)}.worker-${slot}${ext}`);
}

export function workerPaths(config: LeashConfig, slot: number, workers: number): LeashConfig {
  if (workers <= 1) return config;
  return {
    ...config,
    audit: { ...config.audit, file: config.audit.file === '' ? '' : perWorkerFile(config.audit.file, slot) },
    decisionLogs: { ...config.decisionLogs, spoolDir: join(config.decisionLogs.spoolDir, `worker-${slot}`) },
    bundle: { ...config.bundle, persistDir: config.bundle.persistDir === '' ? '' : join(config.bundle.persistDir, `worker-${slot}`) },
  };
}
