// Runs one sink in the background so that no decision ever waits for it: a bounded buffer
// in two lanes (high priority goes out at once, normal events in batches), retries with
// exponential backoff, and overflow that is counted and logged, never silent. When the
// buffer is full a new high-priority event displaces the oldest normal one.
import type { AuditEvent } from './event.ts';
import type { AuditLogger, AuditSink } from './sink.ts';

export interface RunnerOptions {
  /** events buffered at most, both lanes together (default 10,000) */
  readonly capacity?: number;
  readonly batchSize?: number;
  /** normal events wait at most this long for a batch to fill (default 0: at once) */
  readonly batchDelayMs?: number;
  /** delivery attempts per batch (default 5), backoff base and cap in ms */
  readonly attempts?: number;
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** how often an ongoing overflow is logged again (default 10 s) */
  readonly overflowLogEveryMs?: number;
}

export interface SinkStats {
  readonly sink: string;
  readonly queued: number;
  readonly written: number;
  /** dropped because the buffer was full */
  readonly dropped: number;
  /** lost after every delivery attempt failed */
  readonly failed: number;
  readonly retries: number;
  /** the latest delivery attempt failed and none has succeeded since (status: plugin `audit`) */
  readonly failing?: boolean;
}

export interface SinkRunner {
  push(event: AuditEvent): void;
  stats(): SinkStats;
  /** resolves when everything queued so far was delivered or given up on */
  flush(): Promise<void>;
  close(): Promise<void>;
}

interface Lane {
  readonly queue: AuditEvent[];
  busy: boolean;
  timer: NodeJS.Timeout | undefined;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

export function runSink(sink: AuditSink, log: AuditLogger, options: RunnerOptions = {}): SinkRunner {
  const capacity = options.capacity ?? 10_000;
  const batchSize = options.batchSize ?? 500;
  const batchDelayMs = options.batchDelayMs ?? 0;
  const attempts = options.attempts ?? 5;
  const backoffMs = options.backoffMs ?? 100;
  const maxBackoffMs = options.maxBackoffMs ?? 5_000;
  const overflowLogEveryMs = options.overflowLogEveryMs ?? 10_000;
  const high: Lane = { queue: [], busy: false, timer: undefined };
  const normal: Lane = { queue: [], busy: false, timer: undefined };
  let written = 0;
  let dropped = 0;
  let failed = 0;
  let retries = 0;
  let failing = false;
  let droppedAtLastLog = 0;
  let lastOverflowLogMs = -Infinity;
  let forcing = false;
  let closed = false;
  const idleWaiters: (() => void)[] = [];

  function overflow(): void {
    dropped++;
    const now = Date.now();
    if (now - lastOverflowLogMs >= overflowLogEveryMs) {
      log.error({ sink: sink.name, dropped_since_last_report: dropped - droppedAtLastLog, dropped_total: dropped, capacity }, 'audit buffer full: events dropped');
      lastOverflowLogMs = now;
      droppedAtLastLog = dropped;
    }
  }

  async function deliver(batch: AuditEvent[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await sink.write(batch);
        written += batch.length;
        failing = false;
        return;
      } catch (err) {
        failing = true;
        if (attempt >= attempts || closed) {
          failed += batch.length;
          log.error({ sink: sink.name, events: batch.length, attempts: attempt, error: (err as Error).message, decision_ids: batch.slice(0, 5).map((e) => e.decision_id) }, 'audit sink failed: events lost');
          return;
        }
        retries++;
        await sleep(Math.min(maxBackoffMs, backoffMs * 2 ** (attempt - 1)));
      }
    }
  }

  function ready(lane: Lane): boolean {
    if (lane === high || forcing || closed || batchDelayMs === 0) return true;
    return lane.queue.length >= batchSize;
  }

  async function pump(lane: Lane): Promise<void> {
    if (lane.busy) return;
    lane.busy = true;
    try {
      while (lane.queue.length > 0 && ready(lane)) await deliver(lane.queue.splice(0, batchSize));
      if (lane.queue.length > 0 && !lane.timer) {
        lane.timer = setTimeout(() => {
          lane.timer = undefined;
          forcingOnce(lane);
        }, batchDelayMs);
        lane.timer.unref();
      }
    } finally {
      lane.busy = false;
      if (idle()) idleWaiters.splice(0).forEach((w) => w());
    }
  }

  /** a batch delay expired: send what is there, full or not */
  function forcingOnce(lane: Lane): void {
    if (lane.busy || lane.queue.length === 0) return;
    lane.busy = true;
    void (async () => {
      try {
        await deliver(lane.queue.splice(0, batchSize));
      } finally {
        lane.busy = false;
        void pump(lane);
      }
    })();
  }

  const idle = () => high.queue.length + normal.queue.length === 0 && !high.busy && !normal.busy;

  return {
    push(event) {
      if (closed) {
        dropped++;
        log.error({ sink: sink.name, decision_id: event.decision_id }, 'audit sink closed: event dropped');
        return;
      }
      if (high.queue.length + normal.queue.length >= capacity) {
        if (event.priority === 'high' && normal.queue.length > 0) normal.queue.shift();
        overflow();
        if (event.priority !== 'high' || high.queue.length >= capacity) return;
      }
      const lane = event.priority === 'high' ? high : normal;
      lane.queue.push(event);
      void pump(lane);
    },
    stats: () => ({ sink: sink.name, queued: high.queue.length + normal.queue.length, written, dropped, failed, retries, failing }),
    async flush() {
      forcing = true;
      try {
        while (!idle()) {
          const wait = new Promise<void>((r) => idleWaiters.push(r));
          void pump(high);
          void pump(normal);
          await wait;
        }
      } finally {
        forcing = false;
      }
    },
    async close() {
      await this.flush();
      closed = true;
      for (const lane of [high, normal]) if (lane.timer) clearTimeout(lane.timer);
      await sink.close();
    },
  };
}
