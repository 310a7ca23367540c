// The JSONL file sink (the default): one event per line, appended; rotated by size
// (audit.jsonl -> audit.jsonl.1 -> ... -> .N, the oldest deleted). Durability: a batch with
// a high-priority event is fdatasync'ed before it counts as written; normal events reach
// the OS at once and are fdatasync'ed at most `syncEveryMs` later (docs/audit.md).
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { jsonLines, type AuditEvent } from '../event.ts';
import type { AuditSink } from '../sink.ts';

export interface FileSinkOptions {
  readonly path: string;
  /** rotate before a write would take the file past this size (default 100 MiB) */
  readonly maxBytes?: number;
  /** rotated files kept (default 5) */
  readonly maxFiles?: number;
  /** fsync interval for normal events (default 1000 ms) */
  readonly syncEveryMs?: number;
}

export function createFileSink(options: FileSinkOptions): AuditSink {
  const { path } = options;
  const maxBytes = options.maxBytes ?? 100 * 1_048_576;
  const maxFiles = Math.max(1, options.maxFiles ?? 5);
  const syncEveryMs = options.syncEveryMs ?? 1_000;
  let handle: FileHandle | undefined;
  let size = 0;
  let dirty = false;
  // every file operation runs in this chain: writes, syncs and rotations never interleave
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => undefined);
    return next;
  };

  async function openFile(): Promise<FileHandle> {
    if (handle) return handle;
    await mkdir(dirname(path), { recursive: true });
    handle = await open(path, 'a', 0o600);
    size = (await handle.stat()).size;
    return handle;
  }

  async function rotate(): Promise<void> {
    if (handle) {
      await handle.datasync();
      await handle.close();
      handle = undefined;
    }
    await rm(`${path}.${maxFiles}`, { force: true });
    for (let i = maxFiles - 1; i >= 1; i--) await rename(`${path}.${i}`, `${path}.${i + 1}`).catch(() => undefined);
    await rename(path, `${path}.1`);
    dirty = false;
  }

  const timer = setInterval(() => {
    if (!dirty) return;
    void serial(async () => {
      if (handle && dirty) {
        dirty = false;
        await handle.datasync();
      }
    }).catch(() => undefined);
  }, syncEveryMs);
  timer.unref();

  return {
    name: `file:${path}`,
    write: (events) =>
      serial(async () => {
        const buf = Buffer.from(jsonLines(events));
        let fh = await openFile();
        if (size > 0 && size + buf.length > maxBytes) {
          await rotate();
          fh = await openFile();
        }
        await fh.write(buf);
        size += buf.length;
        if (events.some((e: AuditEvent) => e.priority === 'high')) {
          await fh.datasync();
          dirty = false;
        } else dirty = true;
      }),
    close: () =>
      serial(async () => {
        clearInterval(timer);
        if (handle) {
          await handle.datasync();
          await handle.close();
          handle = undefined;
        }
      }),
  };
}
