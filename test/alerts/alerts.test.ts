// Alerts end to end through the observer: a denied write reaches a local webhook receiver
// at once with a Slack-compatible body; read anomalies wait for the digest; repeated scope
// violations quarantine the session, and the alert says so; the audit file holds exactly
// one event per decision.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuditLog, createDecisionObserver, type LeashObserver } from '../../server/audit/index.ts';
import { classifyDecision, createMemoryQuarantine, createNotifier, type Notifier } from '../../server/alerts/index.ts';
import { makeRecord, quietLog, SECRET_TOKEN, startReceiver, T0, type Receiver } from './fixtures.ts';

let dir: string;
let rx: Receiver;
let notifier: Notifier;
let observer: LeashObserver;
let clock = T0;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leash-alerts-'));
  rx = await startReceiver();
  clock = T0;
  const log = quietLog();
  notifier = createNotifier({ webhookUrl: rx.url, digestEveryMs: 3_600_000, log, now: () => clock });
  observer = createDecisionObserver({
    audit: createAuditLog([{ type: 'file', path: join(dir, 'audit.jsonl') }], log),
    notifier,
    quarantine: createMemoryQuarantine({ threshold: 3, windowMs: 600_000 }),
    now: () => clock,
  });
});

afterEach(async () => {
  await observer.close();
  await rx.close();
  await rm(dir, { recursive: true, force: true });
});

type Msg = { text: string; blocks?: unknown[] };

describe('alerts', () => {
  it('a denied write reaches the webhook within one second, as a Slack-compatible body', async () => {
    const decidedAt = Date.now();
    observer.record(makeRecord({ access: 'write', allow: false, path: '/tickets/T-9999/comments' }));
    const [hit] = await rx.waitFor(1);
    // the target: under one second from the decision (immediate, not batched)
    expect(hit!.atMs - decidedAt).toBeLessThan(1_000);
    const body = hit!.body as Msg;
    expect(body.text).toContain('Write outside the task scope');
    expect(body.text).toContain('session s-8c1f');
    expect(body.text).toContain('POST /tickets/T-9999/comments');
    expect(Array.isArray(body.blocks)).toBe(true);
    expect(JSON.stringify(body)).not.toContain(SECRET_TOKEN);
  });

  it('alerts on a write limit hit and a write denied for a store failure, but digests read anomalies', async () => {
    observer.record(makeRecord({ access: 'write', allow: false, status: 429, code: 'rate_limited' }));
    observer.record(makeRecord({ access: 'write', allow: false, status: 503, code: 'store_unavailable' }));
    observer.record(makeRecord({ access: 'read', allow: false, status: 429, code: 'rate_limited' }));
    observer.record(makeRecord({ access: 'read', allow: false, status: 429, code: 'rate_limited' }));
    const got = await rx.waitFor(2);
    expect(got.map((r) => (r.body as Msg).text.split(':')[1]!.trim()).sort()).toEqual(['Write denied', 'Write limit hit']);
    await observer.flush();
    expect(rx.received).toHaveLength(2);
    clock += 300_000;
    await notifier.flushDigest();
    const digest = rx.received[2]!.body as Msg;
    expect(digest.text).toMatch(/^Leash digest .*: 2 anomalies/);
    expect(digest.text).toContain('Read limit hit ×2: agent support-bot, session s-8c1f');
  });

  it('quarantines a session after 3 scope violations for the rest of its life, and says so', async () => {
    for (let i = 0; i < 3; i++) {
      clock += 1_000;
      observer.record(makeRecord({ access: 'read', allow: false, session: 's-bad', timestampMs: clock }));
    }
    await observer.flush();
    expect(await observer.isQuarantined('s-bad')).toBe(true);
    expect(await observer.isQuarantined('s-8c1f')).toBe(false);
    const [q] = await rx.waitFor(1);
    expect((q!.body as Msg).text).toMatch(/session s-bad of agent support-bot is QUARANTINED for the rest of its life \(until 2025-11-27T04:40:00\.000Z\) after 3 violations \(scope\)/);
    // the session ends with its token (exp = T0 + 1 h): then the block is gone
    clock = T0 + 3_600_001;
    expect(await observer.isQuarantined('s-bad')).toBe(false);
  });

  it('alerts a business-rule denial as such, and never quarantines for it by default', async () => {
    for (let i = 0; i < 4; i++) {
      clock += 1_000;
      observer.record(makeRecord({ access: 'write', allow: false, class: 'business', session: 's-amount', timestampMs: clock }));
    }
    const got = await rx.waitFor(4);
    expect(got.map((r) => (r.body as Msg).text.split(':')[1]!.trim())).toEqual(Array(4).fill('Write denied by a business rule'));
    await observer.flush();
    expect(await observer.isQuarantined('s-amount')).toBe(false);
  });

  it('does not count violations outside the window', async () => {
    for (let i = 0; i < 4; i++) {
      clock += 400_000; // 3 violations never fall within 10 minutes
      observer.record(makeRecord({ allow: false, session: 's-slow' }));
    }
    await observer.flush();
    expect(await observer.isQuarantined('s-slow')).toBe(false);
  });

  it('writes exactly one audit event per decision', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const r = makeRecord({ access: i % 3 === 0 ? 'write' : 'read', allow: i % 5 !== 0 });
      ids.push(r.answer.decision_id);
      observer.record(r);
    }
    await observer.flush();
    const lines = (await readFile(join(dir, 'audit.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { decision_id: string }).decision_id).sort()).toEqual(ids.sort());
  });
});

describe('classifyDecision', () => {
  it('ignores allowed requests, bad tokens and already-quarantined sessions', () => {
    expect(classifyDecision(makeRecord())).toBeNull();
    expect(classifyDecision(makeRecord({ allow: false, status: 403, code: 'quarantined' }))).toBeNull();
    expect(classifyDecision(makeRecord({ allow: false, status: 401, code: 'bad_token' }))).toBeNull();
    expect(classifyDecision(makeRecord({ access: 'write', allow: false }))).toMatchObject({ kind: 'write_out_of_scope', class: 'scope', countsTowardQuarantine: true });
    expect(classifyDecision(makeRecord({ access: 'write', allow: false, status: 403, code: 'policy_error' }))).toMatchObject({ kind: 'write_denied', class: 'system', countsTowardQuarantine: false });
  });

  it('names business-rule and missing-input denials for what they are, and counts only the configured classes', () => {
    const business = makeRecord({ access: 'write', allow: false, class: 'business' });
    expect(classifyDecision(business)).toMatchObject({ kind: 'write_business_rule', countsTowardQuarantine: false });
    expect(classifyDecision(business, ['scope', 'business'])).toMatchObject({ kind: 'write_business_rule', countsTowardQuarantine: true });
    expect(classifyDecision(makeRecord({ allow: false, class: 'input' }))).toMatchObject({ kind: 'read_input_missing', countsTowardQuarantine: false });
    expect(classifyDecision(makeRecord({ allow: false, code: 'non_canonical_path', status: 400 }))).toMatchObject({ kind: 'read_out_of_scope', countsTowardQuarantine: true });
    expect(classifyDecision(makeRecord({ allow: false, status: 429, code: 'rate_limited' }), ['limit'])).toMatchObject({ kind: 'read_limit_hit', countsTowardQuarantine: true });
  });
});

describe('observer metrics', () => {
  it('expose written, dropped and failed audit events per sink and alert outcomes', async () => {
    const { Registry } = await import('prom-client');
    const { registerObserverMetrics } = await import('../../server/audit/index.ts');
    const registry = new Registry();
    registerObserverMetrics(registry, observer);
    observer.record(makeRecord({ access: 'write', allow: false }));
    await rx.waitFor(1);
    await observer.flush();
    const text = await registry.metrics();
    expect(text).toContain(`leash_audit_events{sink="file:${join(dir, 'audit.jsonl')}",outcome="written"} 1`);
    expect(text).toContain(`leash_audit_events{sink="file:${join(dir, 'audit.jsonl')}",outcome="dropped"} 0`);
    expect(text).toContain('leash_alerts{outcome="sent"} 1');
  });
});
