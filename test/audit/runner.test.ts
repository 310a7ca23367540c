// The sink runner: decisions never wait for a sink; a full buffer drops (normal first) and
// counts and logs it; failed batches are retried with backoff; normal events are batched
// while high-priority ones go out at once.
import { describe, expect, it } from 'vitest';
import { buildAuditEvent, runSink, type AuditEvent, type AuditSink } from '../../server/audit/index.ts';
import { makeRecord, quietLog } from '../alerts/fixtures.ts';

const ev = (access: 'read' | 'write' = 'read', id?: string) => buildAuditEvent(makeRecord({ access, ...(id ? { id } : {}) }));

/** a sink whose writes wait until released, recording every batch */
function gatedSink() {
  const batches: AuditEvent[][] = [];
  let open!: () => void;
  let gate = new Promise<void>((r) => (open = r));
  const sink: AuditSink = {
    name: 'gated',
    async write(events) {
      await gate;
      batches.push([...events]);
    },
    async close() {},
  };
  return { sink, batches, release: () => open(), hold: () => (gate = new Promise<void>((r) => (open = r))) };
}

describe('sink runner', () => {
  it('returns at once while the sink hangs, and counts and logs overflow instead of blocking', async () => {
    const g = gatedSink();
    const log = quietLog();
    const runner = runSink(g.sink, log, { capacity: 10, batchSize: 100 });
    for (let i = 0; i < 25; i++) runner.push(ev('read', `n-${i}`)); // the first is in flight, 10 wait, 14 overflow
    expect(runner.stats()).toMatchObject({ queued: 10, dropped: 14, written: 0 });
    expect(log.lines.filter((l) => l.msg === 'audit buffer full: events dropped')).toHaveLength(1);
    expect(log.lines[0]!.obj).toMatchObject({ sink: 'gated', dropped_total: 1, capacity: 10 });
    // a high-priority event displaces the oldest normal one and goes out in its own lane
    runner.push(ev('write', 'w-1'));
    expect(runner.stats()).toMatchObject({ queued: 9, dropped: 15 });
    g.release();
    await runner.flush();
    const ids = g.batches.flat().map((e) => e.decision_id);
    expect(ids).toContain('w-1');
    expect(ids).not.toContain('n-1');
    expect(runner.stats()).toMatchObject({ written: 11, dropped: 15, failed: 0 });
  });

  it('retries a failing batch with backoff, then gives up loudly', async () => {
    let calls = 0;
    const flaky: AuditSink = {
      name: 'flaky',
      async write() {
        if (++calls < 3) throw new Error('receiver down');
      },
      async close() {},
    };
    const log = quietLog();
    const runner = runSink(flaky, log, { attempts: 5, backoffMs: 1 });
    runner.push(ev());
    await runner.flush();
    expect(runner.stats()).toMatchObject({ written: 1, retries: 2, failed: 0 });

    const dead: AuditSink = { name: 'dead', write: async () => Promise.reject(new Error('gone')), close: async () => {} };
    const runner2 = runSink(dead, log, { attempts: 3, backoffMs: 1 });
    runner2.push(ev('read', 'lost-1'));
    await runner2.flush();
    expect(runner2.stats()).toMatchObject({ written: 0, failed: 1, retries: 2 });
    expect(log.lines.find((l) => l.msg === 'audit sink failed: events lost')?.obj).toMatchObject({ sink: 'dead', events: 1, decision_ids: ['lost-1'] });
  });

  it('batches normal events and sends high-priority ones at once', async () => {
    const g = gatedSink();
    g.release();
    const runner = runSink(g.sink, quietLog(), { batchSize: 50, batchDelayMs: 60_000 });
    for (let i = 0; i < 5; i++) runner.push(ev('read'));
    runner.push(ev('write', 'w-now'));
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    // the write went out alone; the reads still wait for their batch
    expect(g.batches.map((b) => b.map((e) => e.decision_id))).toEqual([['w-now']]);
    expect(runner.stats().queued).toBe(5);
    await runner.flush();
    expect(g.batches.map((b) => b.length)).toEqual([1, 5]);
  });
});
