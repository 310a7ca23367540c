// `leash serve --workers N`: how many workers a start gets, and the node:cluster primary
// that runs them (docs/server.md, "Workers"). One worker is the plain single process: no fork.
import { availableParallelism } from 'node:os';
import type { LeashConfig } from '../config/index.ts';

export { configForWorkers, startCluster, DRAIN_TIMEOUT_MS, type StartedCluster } from './primary.ts';
export { perWorkerFile, workerPaths } from './paths.ts';

export interface WorkerCount {
  readonly workers: number;
  /** why the default was not every CPU, for one line at start */
  readonly note?: string;
}

/**
 * server.workers when set (more than one without limits.redis is refused by the config
 * check); else 1 with --dev, 1 without limits.redis (memory limits cannot be shared), and
 * every CPU otherwise.
 */
export function workerCount(config: LeashConfig, cpus: number = availableParallelism()): WorkerCount {
  if (config.server.workers !== undefined) return { workers: config.server.workers };
  if (config.server.dev) return { workers: 1 };
  if (config.limits.redis === undefined) {
    return cpus > 1
      ? { workers: 1, note: `1 worker of ${cpus} CPUs: limits are in this process's memory (no limits.redis), which workers cannot share; with --redis the default is one worker per CPU` }
      : { workers: 1 };
  }
  return { workers: Math.max(1, cpus) };
}
