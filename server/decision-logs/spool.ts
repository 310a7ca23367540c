// The decision-log spool: events wait on disk until the decision-log service acknowledges
// them. Segment files (`seg-<first seq>.jsonl`, one `{"seq":N,"event":{...}}` per line,
// mode 0600) are only appended to; `state.json` (written atomically: temp file, fdatasync,
// rename, fsync of the folder) holds the first sequence number not yet acknowledged and the
// range of the batch in flight, so a restart re-sends exactly that batch first. Segments
// wholly acknowledged are deleted. A line torn by a crash is skipped and counted.
// Fsync policy: appends and state changes reach the OS at once (a process crash loses
// nothing written); they are fdatasync'ed at most `syncMs` later (0: before they resolve).
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export interface SpoolEntry {
  readonly seq: number;
  /** the event as JSON */
  readonly json: string;
  /** its size in bytes (UTF-8) */
  readonly bytes: number;
}

export interface Recovered {
  /** unacknowledged entries in sequence order */
  readonly entries: SpoolEntry[];
  /** the batch that was in flight when the previous run stopped: [first seq, last seq] */
  readonly batch: readonly [number, number] | null;
  /** lines that could not be read back (a write torn by a crash) */
  readonly corrupt: number;
}

export interface Spool {
  readonly dir: string;
  readonly recovered: Recovered;
  /** the next sequence number to hand out */
  nextSeq(): number;
  /** appends the entries in one write (and fdatasync when syncMs is 0) */
  append(entries: readonly SpoolEntry[]): Promise<void>;
  /** records the batch about to be sent, so a restart re-sends the same events first */
  markBatch(from: number, to: number): Promise<void>;
  /** every entry with seq < next is acknowledged (or given up on): forget it */
  ack(next: number): Promise<void>;
  close(): Promise<void>;
}

export interface SpoolOptions {
  readonly syncMs: number;
  /** a new segment is started once the current one reaches this size (default 8 MiB) */
  readonly segmentBytes?: number;
}

interface Segment {
  readonly path: string;
  readonly first: number;
  last: number;
}

/** spool folders open in this process (a folder belongs to one uploader) */
const openDirs = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the folder's `lock` file (the owner's pid); refuses a folder a live process holds. */
function lock(dir: string): () => void {
  const key = resolve(dir);
  const lockPath = join(dir, 'lock');
  if (openDirs.has(key)) throw new Error(`decision-log spool ${dir} is already in use in this process`);
  let owner = NaN;
  try {
    owner = Number(readFileSync(lockPath, 'utf8').trim());
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
    throw new Error(`decision-log spool ${dir} is in use by process ${owner} (each server needs its own decisionLogs.spoolDir)`);
  }
  writeFileSync(lockPath, String(process.pid), { mode: 0o600 });
  openDirs.add(key);
  return () => {
    openDirs.delete(key);
    rmSync(lockPath, { force: true });
  };
}

const SEGMENT = /^seg-(\d{16})\.jsonl$/;
const LINE = /^\{"seq":(\d+),"event":([\s\S]*)\}$/;
const segmentName = (first: number) => `seg-${String(first).padStart(16, '0')}.jsonl`;

export function openSpool(dir: string, options: SpoolOptions): Spool {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const unlock = lock(dir);
  const segmentBytes = options.segmentBytes ?? 8 * 1_048_576;
  const statePath = join(dir, 'state.json');
  let next = 1;
  let batch: readonly [number, number] | null = null;
  const segments: Segment[] = [];
  const entries: SpoolEntry[] = [];
  let corrupt = 0;
  let maxSeq = 0;
  try {
    try {
      const state = JSON.parse(readFileSync(statePath, 'utf8')) as { next?: unknown; batch?: unknown };
      if (typeof state.next === 'number' && Number.isSafeInteger(state.next)) next = state.next;
      if (Array.isArray(state.batch) && state.batch.length === 2 && state.batch.every((n) => Number.isSafeInteger(n))) batch = [state.batch[0] as number, state.batch[1] as number];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`decision-log spool ${statePath} is unreadable: ${(err as Error).message}`);
    }

    // read back what a previous run left
    maxSeq = next - 1;
    const files = readdirSync(dir).filter((f) => SEGMENT.test(f)).sort();
    for (const file of files) {
      const path = join(dir, file);
      const first = Number(SEGMENT.exec(file)![1]);
      const text = readFileSync(path, 'utf8');
      const lines = text.split('\n');
      const tail = lines.pop(); // '' after the last newline, else a torn write
      if (tail) corrupt++;
      let last = first - 1;
      const good: string[] = [];
      for (const line of lines) {
        const m = LINE.exec(line);
        let ok = false;
        if (m) {
          try {
            JSON.parse(m[2]!);
            ok = true;
          } catch {
            ok = false;
          }
        }
        if (!ok) {
          corrupt++;
          continue;
        }
        good.push(line);
        const seq = Number(m![1]);
        last = Math.max(last, seq);
        maxSeq = Math.max(maxSeq, seq);
        if (seq >= next) entries.push({ seq, json: m![2]!, bytes: Buffer.byteLength(m![2]!) });
      }
      if (last < next) {
        rmSync(path, { force: true });
        continue;
      }
      if (good.length < lines.length || tail) {
        // rewritten without the unreadable lines, so they are counted once, not at every start
        writeFileSync(`${path}.tmp`, good.map((l) => `${l}\n`).join(''), { mode: 0o600 });
        renameSync(`${path}.tmp`, path);
      }
      segments.push({ path, first, last });
    }
  } catch (err) {
    unlock();
    throw err;
  }
  entries.sort((a, b) => a.seq - b.seq);
  if (batch && (batch[1] < next || batch[0] > maxSeq)) batch = null;
  let seq = maxSeq + 1;

  let current: { handle: FileHandle; segment: Segment; size: number } | undefined;
  let dirty = false;
  // file operations run one after another
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = chain.then(fn, fn);
    chain = run.catch(() => undefined);
    return run;
  };

  /** the state file was replaced and not yet fsync'ed (syncMs > 0) */
  let stateDirty = false;

  async function syncDir(): Promise<void> {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }

  /**
   * Temp file, rename: atomic, and safe from a process crash at once (the OS has it). With
   * syncMs 0 it is also fdatasync'ed (file and folder) before it resolves; else on the next
   * sync tick, so a power loss can revert the last acknowledgements (events sent again).
   */
  async function writeState(): Promise<void> {
    const tmp = `${statePath}.tmp`;
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.write(JSON.stringify({ next, batch }));
      if (options.syncMs === 0) await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(tmp, statePath);
    if (options.syncMs === 0) await syncDir();
    else stateDirty = true;
  }

  async function syncState(): Promise<void> {
    if (!stateDirty) return;
    stateDirty = false;
    const fh = await open(statePath, 'r');
    try {
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await syncDir();
  }

  async function closeCurrent(): Promise<void> {
    if (!current) return;
    const c = current;
    current = undefined;
    if (dirty) await c.handle.datasync();
    dirty = false;
    await c.handle.close();
  }

  const timer = options.syncMs > 0
    ? setInterval(() => {
      if ((!dirty || !current) && !stateDirty) return;
      void serial(async () => {
        if (current && dirty) {
          dirty = false;
          await current.handle.datasync();
        }
        await syncState();
      }).catch(() => undefined);
    }, options.syncMs)
    : undefined;
  timer?.unref();

  return {
    dir,
    recovered: { entries, batch, corrupt },
    nextSeq: () => seq++,
    append: (list) =>
      serial(async () => {
        if (list.length === 0) return;
        if (current && current.size >= segmentBytes) await closeCurrent();
        if (!current) {
          const segment: Segment = { path: join(dir, segmentName(list[0]!.seq)), first: list[0]!.seq, last: list[0]!.seq - 1 };
          const handle = await open(segment.path, 'a', 0o600);
          segments.push(segment);
          current = { handle, segment, size: 0 };
        }
        let text = '';
        for (const e of list) text += `{"seq":${e.seq},"event":${e.json}}\n`;
        const buf = Buffer.from(text);
        await current.handle.write(buf);
        current.size += buf.length;
        current.segment.last = list[list.length - 1]!.seq;
        if (options.syncMs === 0) await current.handle.datasync();
        else dirty = true;
      }),
    markBatch: (from, to) =>
      serial(async () => {
        batch = [from, to];
        await writeState();
      }),
    ack: (upTo) =>
      serial(async () => {
        next = Math.max(next, upTo);
        if (batch && batch[1] < next) batch = null;
        await writeState();
        for (const s of segments.slice()) {
          if (s.last >= next) continue;
          if (current?.segment === s) await closeCurrent();
          segments.splice(segments.indexOf(s), 1);
          await rm(s.path, { force: true });
        }
      }),
    close: () =>
      serial(async () => {
        if (timer) clearInterval(timer);
        await closeCurrent();
        await syncState();
        unlock();
      }),
  };
}
