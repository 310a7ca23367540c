// Decision-log upload the way OPA's decision_logs plugin does it: one event per decision,
// POSTed as gzip'd JSON arrays (Content-Encoding: gzip, Content-Type: application/json) to
// {url}{resource}[/{partition}], batched by compressed size (uploadSizeLimitBytes) and by
// time (a delay drawn from [minDelayMs, maxDelayMs]). Every event is appended to the disk
// spool (spool.ts) before it counts as buffered; a batch leaves the spool only once the
// service answered 2xx, and a failed batch is retried, byte for byte the same, with capped
// exponential backoff (after a restart too: the spool remembers the batch in flight).
// The buffer is bounded by events and bytes; when full the NEWEST event is dropped, counted
// in leash_decision_logs_dropped_total{reason} and logged. `write` never blocks a decision.
import { gzip as gzipCb } from 'node:zlib';
import { promisify } from 'node:util';
import { request } from 'undici';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AuditEvent } from '../audit/event.ts';
import type { AuditLogger } from '../audit/sink.ts';
import type { SinkStats } from '../audit/runner.ts';
import { describeUrl } from '../audit/sinks/webhook.ts';
import { toDecisionLogEvent } from './event.ts';
import type { MaskRule } from './mask.ts';
import { openSpool, type Spool, type SpoolEntry } from './spool.ts';

const gzip = promisify(gzipCb);

export interface UploaderOptions {
  /** the service's base URL */
  readonly url: string;
  /** default '/logs' */
  readonly resource?: string;
  readonly partitionName?: string;
  /** sent as Authorization: Bearer <token>; never logged */
  readonly token?: string;
  readonly mask?: readonly MaskRule[];
  readonly maxEvents?: number;
  readonly maxBytes?: number;
  readonly uploadSizeLimitBytes?: number;
  readonly minDelayMs?: number;
  readonly maxDelayMs?: number;
  /** first retry delay (default 100 ms), doubling up to retryMaxDelayMs */
  readonly retryBaseMs?: number;
  readonly retryMaxDelayMs?: number;
  readonly timeoutMs?: number;
  readonly spoolDir: string;
  readonly spoolSyncMs?: number;
  readonly flushOnCloseMs?: number;
  readonly log: AuditLogger;
  /** where the leash_decision_logs_* metrics go */
  readonly registry?: Registry;
  /** how often an ongoing problem (drops, failing uploads) is logged again (default 10 s) */
  readonly reportEveryMs?: number;
  readonly random?: () => number;
}

export type DropReason = 'buffer_full' | 'too_large' | 'spool_error' | 'spool_corrupt' | 'unserializable' | 'closed';

export interface DecisionLogStats {
  /** spooled, not yet acknowledged by the service (in flight included) */
  readonly bufferedEvents: number;
  readonly bufferedBytes: number;
  /** acknowledged by the service */
  readonly uploadedEvents: number;
  readonly uploads: number;
  readonly failedUploads: number;
  readonly dropped: Readonly<Record<DropReason, number>>;
}

export interface DecisionLogUploader {
  readonly name: string;
  /** takes a decision's audit event; returns at once */
  write(event: AuditEvent): void;
  stats(): DecisionLogStats;
  /** for the audit metrics: as one more audit sink */
  sinkStats(): SinkStats;
  /** resolves once every event written so far is in the spool (not once uploaded) */
  flush(): Promise<void>;
  /** spools what is pending, uploads for at most flushOnCloseMs, leaves the rest in the spool */
  close(): Promise<void>;
}

interface Batch {
  readonly entries: readonly SpoolEntry[];
  readonly bytes: number;
  readonly body: Buffer;
}

/** A FIFO of spool entries with an O(1) shift. */
class Fifo {
  private items: SpoolEntry[] = [];
  private head = 0;
  bytes = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(e: SpoolEntry): void {
    this.items.push(e);
    this.bytes += e.bytes;
  }
  at(i: number): SpoolEntry {
    return this.items[this.head + i]!;
  }
  take(n: number): SpoolEntry[] {
    const out = this.items.slice(this.head, this.head + n);
    this.head += out.length;
    for (const e of out) this.bytes -= e.bytes;
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return out;
  }
}

export function createDecisionLogUploader(options: UploaderOptions): DecisionLogUploader {
  const log = options.log;
  const mask = options.mask ?? [];
  const maxEvents = options.maxEvents ?? 10_000;
  const maxBytes = options.maxBytes ?? 64 * 1_048_576;
  const uploadLimit = options.uploadSizeLimitBytes ?? 32_768;
  const minDelayMs = options.minDelayMs ?? 1_000;
  const maxDelayMs = Math.max(minDelayMs, options.maxDelayMs ?? 5_000);
  const retryBaseMs = options.retryBaseMs ?? 100;
  const retryMaxDelayMs = options.retryMaxDelayMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const flushOnCloseMs = options.flushOnCloseMs ?? 5_000;
  const reportEveryMs = options.reportEveryMs ?? 10_000;
  const random = options.random ?? Math.random;
  const target = `${options.url.replace(/\/+$/, '')}${options.resource ?? '/logs'}${options.partitionName ? `/${encodeURIComponent(options.partitionName)}` : ''}`;
  const shown = describeUrl(target);
  const name = `decision-logs:${shown}`;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'content-encoding': 'gzip' };
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;

  const spool: Spool = openSpool(options.spoolDir, { syncMs: options.spoolSyncMs ?? 1_000 });

  // ---- counters (and prom-client metrics when a registry is given)
  const dropped: Record<DropReason, number> = { buffer_full: 0, too_large: 0, spool_error: 0, spool_corrupt: 0, unserializable: 0, closed: 0 };
  let uploadedEvents = 0;
  let uploads = 0;
  let failedUploads = 0;
  let retries = 0;
  const reg = options.registry ? [options.registry] : [];
  const droppedMetric = new Counter({ name: 'leash_decision_logs_dropped_total', help: 'Decision-log events dropped, by reason (buffer_full: the buffer was full and the newest event was dropped; too_large: one event over the upload size limit; spool_error: the spool could not be written; spool_corrupt: a spooled line could not be read back; unserializable: the event could not be built; closed: written after shutdown)', labelNames: ['reason'] as const, registers: reg });
  droppedMetric.inc({ reason: 'buffer_full' }, 0);
  const eventsMetric = new Counter({ name: 'leash_decision_logs_events_total', help: 'Decision-log events by outcome (buffered: spooled; uploaded: acknowledged by the service)', labelNames: ['outcome'] as const, registers: reg });
  const uploadsMetric = new Counter({ name: 'leash_decision_logs_uploads_total', help: 'Decision-log upload attempts by outcome', labelNames: ['outcome'] as const, registers: reg });
  new Gauge({ name: 'leash_decision_logs_buffered_events', help: 'Decision-log events spooled and not yet acknowledged by the service', registers: reg, collect() { this.set(bufferedEvents()); } });
  new Gauge({ name: 'leash_decision_logs_buffered_bytes', help: 'Bytes of decision-log event JSON spooled and not yet acknowledged', registers: reg, collect() { this.set(bufferedBytes()); } });

  // ---- buffer: pending (being appended to the spool) → queue → inflight
  let pending: SpoolEntry[] = [];
  let pendingBytes = 0;
  // handed to the spool, not yet written (counted from the moment they leave `pending`)
  let writingEvents = 0;
  let writingBytes = 0;
  const queue = new Fifo();
  let inflight: Batch | null = null;
  let closed = false;
  let closing = false;
  const bufferedEvents = () => pending.length + writingEvents + queue.length + (inflight?.entries.length ?? 0);
  const bufferedBytes = () => pendingBytes + writingBytes + queue.bytes + (inflight?.bytes ?? 0);

  let droppedAtReport = 0;
  let lastDropReportMs = -Infinity;
  function drop(reason: DropReason, n: number, detail: object = {}): void {
    if (n <= 0) return;
    dropped[reason] += n;
    droppedMetric.inc({ reason }, n);
    const total = Object.values(dropped).reduce((a, b) => a + b, 0);
    const now = Date.now();
    if (now - lastDropReportMs >= reportEveryMs) {
      log.warn({ sink: name, reason, dropped_since_last_report: total - droppedAtReport, dropped_total: { ...dropped }, buffered_events: bufferedEvents(), max_events: maxEvents, max_bytes: maxBytes, ...detail }, 'decision-log events dropped');
      lastDropReportMs = now;
      droppedAtReport = total;
    }
  }

  const recovered = spool.recovered;
  if (recovered.corrupt > 0) drop('spool_corrupt', recovered.corrupt, { spool: spool.dir });
  for (const e of recovered.entries) queue.push(e);
  if (queue.length > maxEvents || queue.bytes > maxBytes) {
    log.warn({ sink: name, buffered_events: queue.length, buffered_bytes: queue.bytes, max_events: maxEvents, max_bytes: maxBytes }, 'decision-log spool holds more than the buffer limits: new events are dropped until it drains');
  }

  // ---- spool writes: every event written in one turn goes to disk in one append
  let writeScheduled = false;
  let writeChain: Promise<void> = Promise.resolve();
  function scheduleWrite(): void {
    if (writeScheduled) return;
    writeScheduled = true;
    setImmediate(writeOut);
  }
  function writeOut(): void {
    writeScheduled = false;
    if (pending.length === 0) return;
    const list = pending;
    const bytes = pendingBytes;
    pending = [];
    pendingBytes = 0;
    writingEvents += list.length;
    writingBytes += bytes;
    writeChain = writeChain.then(async () => {
      try {
        await spool.append(list);
        for (const e of list) queue.push(e);
        eventsMetric.inc({ outcome: 'buffered' }, list.length);
      } catch (err) {
        log.error({ sink: name, events: list.length, error: (err as Error).message, decision_ids: list.slice(0, 5).map(idOf) }, 'decision-log spool write failed: events lost');
        drop('spool_error', list.length);
      } finally {
        writingEvents -= list.length;
        writingBytes -= bytes;
      }
      kick();
    });
  }

  // ---- uploads
  let ratio = 0.15; // compressed ÷ raw, learnt from each batch
  let timer: NodeJS.Timeout | undefined;
  let loop: Promise<void> | undefined;
  let abort = new AbortController();
  let wake: (() => void) | undefined;
  let failingSinceMs: number | undefined;
  /** the last attempt failed (close then does not try again) */
  let lastAttemptFailed = false;
  let lastFailReportMs = -Infinity;

  const fullBatchRaw = () => Math.max(1, Math.floor((uploadLimit / ratio) * 0.9));

  function kick(): void {
    if (closed || loop) return;
    if (queue.length === 0 && !inflight) return;
    if (inflight || queue.bytes >= fullBatchRaw()) {
      start(false);
      return;
    }
    if (!timer) {
      const delay = minDelayMs + Math.floor(random() * (maxDelayMs - minDelayMs + 1));
      timer = setTimeout(() => {
        timer = undefined;
        start(true);
      }, delay);
      timer.unref();
    }
  }

  function start(everything: boolean): void {
    if (loop) return;
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    loop = guarded(run(everything)).finally(() => {
      loop = undefined;
      kick();
    });
  }

  /** a bug in the loop is logged (the batch stays spooled), never an unhandled rejection */
  function guarded(p: Promise<void>): Promise<void> {
    return p.catch((err: Error) => log.error({ sink: name, error: err.message }, 'decision-log uploader failed; spooled events are retried later'));
  }

  /** Uploads batches: all that is queued (`everything`) or while full batches are there. */
  async function run(everything: boolean): Promise<void> {
    while (true) {
      if (!inflight) {
        if (queue.length === 0) return;
        if (!everything && !closing && queue.bytes < fullBatchRaw()) return;
        inflight = await formBatch();
        if (!inflight) continue;
      }
      // gzip the next batch while this one is on the wire (a full one, or everything left)
      if (!prepared && !closing && queue.length > 0 && (everything || queue.bytes >= fullBatchRaw())) {
        prepared = compose();
        prepared.catch(() => undefined); // awaited (and its failure handled) in formBatch, or dropped
      }
      const ok = await send(inflight);
      if (!ok) return;
      const done = inflight;
      try {
        await spool.ack(done.entries[done.entries.length - 1]!.seq + 1);
      } catch (err) {
        log.error({ sink: name, error: (err as Error).message }, 'decision-log spool state could not be written: after a restart this batch may be sent again');
      }
      inflight = null;
      uploadedEvents += done.entries.length;
      eventsMetric.inc({ outcome: 'uploaded' }, done.entries.length);
    }
  }

  interface Candidate {
    readonly first: number;
    readonly n: number;
    readonly raw: number;
    readonly body: Buffer;
  }
  /** the next batch, gzip'd while the one before it is in flight */
  let prepared: Promise<Candidate | null> | undefined;

  /** The gzip'd array of the first queued entries, as many as fit; null when the first alone does not. Takes nothing. */
  async function compose(): Promise<Candidate | null> {
    const recoveredBatch = spool.recovered.batch;
    const first = queue.at(0).seq;
    let n = 0;
    if (recoveredBatch && first >= recoveredBatch[0] && first <= recoveredBatch[1]) {
      // the batch in flight when the previous run stopped: the same events again
      while (n < queue.length && queue.at(n).seq <= recoveredBatch[1]) n++;
    } else {
      const limit = fullBatchRaw();
      let raw = 2;
      while (n < queue.length && (n === 0 || raw + queue.at(n).bytes + 1 <= limit)) raw += queue.at(n++).bytes + 1;
    }
    for (;;) {
      let raw = 2;
      let text = '[';
      for (let i = 0; i < n; i++) {
        const e = queue.at(i);
        text += i === 0 ? e.json : `,${e.json}`;
        raw += e.bytes + 1;
      }
      text += ']';
      const body = await gzip(text);
      if (body.length <= uploadLimit) return { first, n, raw, body };
      if (n === 1) return null;
      n = Math.max(1, Math.min(n - 1, Math.floor(n * (uploadLimit / body.length) * 0.9)));
    }
  }

  /** a batch prepared earlier is used when it still starts the queue and is full (or is all there is) */
  function usable(c: Candidate | null): c is Candidate {
    return c !== null && queue.length >= c.n && queue.at(0).seq === c.first && (c.n === queue.length || c.raw >= 0.9 * fullBatchRaw());
  }

  async function formBatch(): Promise<Batch | null> {
    let c: Candidate | null | undefined;
    if (prepared) {
      const p = await prepared.catch(() => null);
      prepared = undefined;
      if (usable(p)) c = p;
    }
    if (c === undefined) c = await compose();
    if (c === null) {
      const [e] = queue.take(1);
      log.error({ sink: name, decision_id: idOf(e!), upload_size_limit_bytes: uploadLimit }, 'decision-log event larger than the upload size limit: dropped');
      drop('too_large', 1);
      await spool.ack(e!.seq + 1).catch(() => undefined);
      return null;
    }
    ratio = Math.min(1, Math.max(0.01, c.body.length / c.raw));
    const entries = queue.take(c.n);
    // in flight (and counted as buffered) from here on
    inflight = { entries, bytes: entries.reduce((a, e) => a + e.bytes, 0), body: c.body };
    await spool.markBatch(entries[0]!.seq, entries[entries.length - 1]!.seq).catch((err: Error) =>
      log.error({ sink: name, error: err.message }, 'decision-log spool state could not be written'));
    return inflight;
  }

  /** POSTs the batch, retrying with backoff until a 2xx (or, when closing, once). */
  async function send(batch: Batch): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      let problem: string;
      try {
        const res = await request(target, {
          method: 'POST',
          headers,
          body: batch.body,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          signal: abort.signal,
        });
        await res.body.dump().catch(() => undefined);
        if (res.statusCode >= 200 && res.statusCode < 300) {
          lastAttemptFailed = false;
          uploads++;
          uploadsMetric.inc({ outcome: 'ok' });
          if (failingSinceMs !== undefined) {
            log.warn({ sink: name, failing_for_ms: Date.now() - failingSinceMs, attempts: attempt }, 'decision-log uploads recovered');
            failingSinceMs = undefined;
          }
          return true;
        }
        problem = `answered ${res.statusCode}`;
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        problem = e.code ?? e.name ?? 'error';
      }
      failedUploads++;
      lastAttemptFailed = true;
      uploadsMetric.inc({ outcome: 'failed' });
      const now = Date.now();
      failingSinceMs ??= now;
      if (now - lastFailReportMs >= reportEveryMs) {
        lastFailReportMs = now;
        log.warn({ sink: name, problem, attempts: attempt, batch_events: batch.entries.length, buffered_events: bufferedEvents() }, 'decision-log upload failed; the batch stays spooled and is retried');
      }
      if (closing || abort.signal.aborted) return false;
      retries++;
      const backoff = Math.min(retryMaxDelayMs, retryBaseMs * 2 ** Math.min(attempt - 1, 30));
      await sleep(backoff / 2 + random() * (backoff / 2));
      if (closing || abort.signal.aborted) return false;
    }
  }

  function sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      t.unref();
      wake = () => {
        clearTimeout(t);
        wake = undefined;
        resolve();
      };
    });
  }

  // what a previous run left goes out at once
  if (queue.length > 0) queueMicrotask(() => start(true));

  return {
    name,
    write(event) {
      if (closed) {
        drop('closed', 1, { decision_id: event.decision_id });
        return;
      }
      let json: string;
      try {
        const dl = toDecisionLogEvent(event, mask);
        if (!dl) return;
        json = JSON.stringify(dl);
      } catch (err) {
        log.error({ sink: name, decision_id: event.decision_id, error: (err as Error).message }, 'decision-log event could not be built: dropped');
        drop('unserializable', 1);
        return;
      }
      const bytes = Buffer.byteLength(json);
      if (bufferedEvents() + 1 > maxEvents || bufferedBytes() + bytes > maxBytes) {
        drop('buffer_full', 1, { decision_id: event.decision_id });
        return;
      }
      pending.push({ seq: spool.nextSeq(), json, bytes });
      pendingBytes += bytes;
      scheduleWrite();
    },
    stats: () => ({ bufferedEvents: bufferedEvents(), bufferedBytes: bufferedBytes(), uploadedEvents, uploads, failedUploads, dropped: { ...dropped } }),
    sinkStats: () => ({ sink: name, queued: bufferedEvents(), written: uploadedEvents, dropped: Object.values(dropped).reduce((a, b) => a + b, 0), failed: 0, retries, failing: failingSinceMs !== undefined }),
    async flush() {
      writeOut();
      await writeChain;
    },
    async close() {
      if (closed) return;
      writeOut();
      await writeChain;
      closed = true;
      closing = true;
      if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      wake?.();
      // keep uploading for at most flushOnCloseMs, one attempt per batch; then stop
      const deadline = setTimeout(() => abort.abort(), flushOnCloseMs);
      try {
        if (loop) await loop;
        if (flushOnCloseMs > 0 && (inflight || queue.length > 0) && !abort.signal.aborted && !lastAttemptFailed) {
          loop = guarded(run(true));
          await loop;
        }
      } finally {
        clearTimeout(deadline);
        loop = undefined;
        abort = new AbortController();
        await spool.close();
      }
    },
  };
}

function idOf(e: SpoolEntry): string {
  return /"decision_id":"([^"]*)"/.exec(e.json)?.[1] ?? '?';
}
