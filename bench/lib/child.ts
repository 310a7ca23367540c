// Child processes with hard time bounds: one-shot commands (capture output, exit code,
// wall time) and long-running servers (wait until a URL answers, then stop by pid).
// Every child gets its own process group so a timeout ends it and everything it started.
import { spawn, type ChildProcess } from 'node:child_process';

export interface ChildResult {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly ms: number;
}

export interface ChildOptions {
  readonly timeoutMs: number;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly input?: string;
}

/** Every child still running, so an interrupted run can end them (they have their own process groups). */
const live = new Set<ChildProcess>();
let stopping = false;

function track(child: ChildProcess): ChildProcess {
  // a child spawned after stopAllChildren (the run is being interrupted) is ended at once
  if (stopping) queueMicrotask(() => killGroup(child, 'SIGKILL'));
  live.add(child);
  child.on('close', () => live.delete(child));
  return child;
}

/** Ends every child this process started and that is still running (SIGTERM, then SIGKILL). */
export function stopAllChildren(): void {
  stopping = true;
  for (const child of live) {
    killGroup(child, 'SIGTERM');
    setTimeout(() => killGroup(child, 'SIGKILL'), 2000).unref();
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try { child.kill(signal); } catch { /* already gone */ }
  }
}

export function runChild(command: string, args: readonly string[], options: ChildOptions): Promise<ChildResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = track(spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    }));
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.stdin!.end(options.input ?? '');
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGTERM');
      setTimeout(() => killGroup(child, 'SIGKILL'), 2000).unref();
    }, options.timeoutMs);
    child.on('error', (err) => { stderr += `\n${String(err)}`; });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut, ms: performance.now() - started });
    });
  });
}

/** The last line of stdout that parses as JSON: how bench children report results. */
export function lastJsonLine<T>(stdout: string): T | null {
  const lines = stdout.trim().split('\n').reverse();
  for (const line of lines) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) continue;
    try { return JSON.parse(trimmed) as T; } catch { /* not ours */ }
  }
  return null;
}

export interface RunningServer {
  readonly pid: number;
  /** performance.now() when the process was spawned */
  readonly spawnedAt: number;
  /** ms from spawn until the ready URL answered */
  readonly readyMs: number;
  readonly url: string;
  output(): string;
  stop(): Promise<void>;
}

export interface ServerOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** a URL that answers 2xx once the server is ready */
  readonly readyUrl: string;
  readonly baseUrl: string;
  readonly startTimeoutMs: number;
}

export async function startServer(command: string, args: readonly string[], options: ServerOptions): Promise<RunningServer> {
  const spawnedAt = performance.now();
  const child = track(spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  }));
  let output = '';
  const keep = (d: string) => { output = (output + d).slice(-20_000); };
  child.stdout!.setEncoding('utf8').on('data', keep);
  child.stderr!.setEncoding('utf8').on('data', keep);
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const stop = async () => {
    killGroup(child, 'SIGTERM');
    const killer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  };
  const deadline = Date.now() + options.startTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const res = await fetch(options.readyUrl, { signal: AbortSignal.timeout(1000) });
      if (res.ok) {
        return { pid: child.pid!, spawnedAt, readyMs: performance.now() - spawnedAt, url: options.baseUrl, output: () => output, stop };
      }
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 150));
  }
  await stop();
  throw new Error(`server did not become ready at ${options.readyUrl} within ${options.startTimeoutMs} ms:\n${output.slice(-2000)}`);
}
