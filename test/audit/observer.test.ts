// The observer takes a record at once and builds its event after the answer has gone out
// (the end of the event loop turn): nothing is built while the decision is still running,
// every record of a turn is written, a record that cannot be built is logged and does not
// take the others with it, and flush/close deliver everything recorded so far. Alerts and
// quarantine counting do not wait for the turn.
import { describe, expect, it } from 'vitest';
import { createAuditLog, createDecisionObserver, type AuditEvent, type AuditSink } from '../../server/audit/index.ts';
import type { DecisionRecord } from '../../server/contracts.ts';
import { createMemoryQuarantine } from '../../server/alerts/index.ts';
import { makeRecord, quietLog, T0 } from '../alerts/fixtures.ts';

function collectingSink(): AuditSink & { readonly events: AuditEvent[] } {
  const events: AuditEvent[] = [];
  return { name: 'collect', events, async write(batch) { events.push(...batch); }, async close() {} };
}

describe('decision observer', () => {
  it('builds events after the current turn, all of them, in order', async () => {
    const sink = collectingSink();
    const observer = createDecisionObserver({ audit: createAuditLog([{ type: 'custom', sink }], quietLog()) });
    for (let i = 0; i < 5; i++) observer.record(makeRecord({ id: `d-${i}` }));
    expect(sink.events).toEqual([]);
    await new Promise((r) => setImmediate(r));
    await observer.flush();
    expect(sink.events.map((e) => e.decision_id)).toEqual(['d-0', 'd-1', 'd-2', 'd-3', 'd-4']);
    await observer.close();
  });

  it('counts a scope violation at once: the quarantine applies to the very next request, before any event is built', () => {
    const sink = collectingSink();
    const observer = createDecisionObserver({
      audit: createAuditLog([{ type: 'custom', sink }], quietLog()),
      quarantine: createMemoryQuarantine({ threshold: 3, windowMs: 600_000 }),
      now: () => T0,
    });
    for (let i = 0; i < 3; i++) {
      expect(observer.isQuarantined('s-fast')).toBe(false);
      observer.record(makeRecord({ allow: false, session: 's-fast', id: `d-v${i}` }));
    }
    expect(observer.isQuarantined('s-fast')).toBe(true);
    expect(sink.events).toEqual([]);
  });

  it('logs a record it cannot build and still writes the rest; close delivers what is pending', async () => {
    const sink = collectingSink();
    const log = quietLog();
    const observer = createDecisionObserver({ audit: createAuditLog([{ type: 'custom', sink }], log), log });
    const good = makeRecord({ id: 'd-good' });
    const broken = { ...good, answer: { ...good.answer, decision_id: 'd-broken', limits: null } } as unknown as DecisionRecord;
    observer.record(broken);
    observer.record(good);
    await observer.close();
    expect(sink.events.map((e) => e.decision_id)).toEqual(['d-good']);
    expect(log.lines).toEqual([expect.objectContaining({ level: 'error', msg: 'audit event could not be built', obj: expect.objectContaining({ decision_id: 'd-broken' }) })]);
  });
});
