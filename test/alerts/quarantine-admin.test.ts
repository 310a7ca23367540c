// Quarantine in Redis (shared by servers: exactly one of many concurrent violations
// crosses the threshold) and the admin plugin on a real Fastify instance: token required
// and compared in constant time; list, inspect, block and release sessions.
import { afterAll, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { adminRoutes, tokenMatches } from '../../server/admin/index.ts';
import { createAuditLog, createDecisionObserver } from '../../server/audit/index.ts';
import { createMemoryQuarantine, createRedisQuarantine } from '../../server/alerts/index.ts';
import { deleteKeys, REDIS_URL, startRedisServer, uniquePrefix } from '../limits/redis-helpers.ts';
import { makeRecord, quietLog } from './fixtures.ts';

const prefix = uniquePrefix('quarantine');
const admin = new Redis(REDIS_URL);
afterAll(async () => {
  await deleteKeys(admin, prefix);
  admin.disconnect();
});

const NOW = Date.now();

describe('redis quarantine', () => {
  it('two servers share it; exactly one violation is the one that quarantines', async () => {
    const a = createRedisQuarantine({ url: REDIS_URL, prefix, policy: { threshold: 5, windowMs: 60_000 } });
    const b = createRedisQuarantine({ url: REDIS_URL, prefix, policy: { threshold: 5, windowMs: 60_000 } });
    await admin.ping();
    await new Promise((r) => setTimeout(r, 100)); // let both clients connect (no offline queue)
    try {
      const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).noteViolation('s-x', `v-${i}`, NOW, NOW + 3_600_000, 'scope violations')));
      expect(outcomes.filter((o) => o.newly)).toHaveLength(1);
      expect(await b.isQuarantined('s-x', NOW)).toBe(true);
      expect((await a.list(NOW)).map((e) => e.session)).toEqual(['s-x']);
      expect(await a.release('s-x')).toBe(true);
      expect(await b.isQuarantined('s-x', NOW)).toBe(false);
      expect(await b.list(NOW)).toEqual([]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('quarantine store outage', () => {
  it('keeps refusing sessions known to be quarantined, and logs that the store is unreachable', async () => {
    const redis = await startRedisServer();
    const log = quietLog();
    const quarantine = createRedisQuarantine({ url: redis.url, prefix: 'leash-q-outage:', policy: { threshold: 2, windowMs: 60_000 } });
    const observer = createDecisionObserver({ audit: createAuditLog([], log), quarantine, log, now: () => NOW });
    try {
      await new Promise((r) => setTimeout(r, 100));
      observer.record(makeRecord({ allow: false, session: 's-known', exp: (NOW + 3_600_000) / 1000 }));
      observer.record(makeRecord({ allow: false, session: 's-known', exp: (NOW + 3_600_000) / 1000 }));
      await observer.flush();
      expect(await observer.isQuarantined('s-known')).toBe(true);
      await redis.stop();
      expect(await observer.isQuarantined('s-known')).toBe(true);
      expect(await observer.isQuarantined('s-other')).toBe(false);
      expect(log.lines.some((l) => l.msg.startsWith('quarantine store unreachable'))).toBe(true);
    } finally {
      await observer.close();
      await redis.stop();
    }
  });
});

describe('admin plugin', () => {
  const TOKEN = 'admin-token-0123456789abcdef';

  async function app() {
    const q = createMemoryQuarantine();
    const f = Fastify({ logger: false });
    await f.register(adminRoutes, { token: TOKEN, quarantine: q, now: () => NOW });
    return { f, q };
  }
  const auth = { authorization: `Bearer ${TOKEN}` };

  it('refuses requests without the admin token, or with a wrong one', async () => {
    const { f } = await app();
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: `Bearer ${TOKEN}x` }, { authorization: TOKEN }]) {
      const res = await f.inject({ method: 'GET', url: '/admin/sessions', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ code: 'admin_unauthorized', message: 'a valid admin token is required (Authorization: Bearer <token>)' });
    }
    await f.close();
  });

  it('lists, blocks, inspects and releases sessions', async () => {
    const { f, q } = await app();
    await q.noteViolation('s-1', 'v1', NOW, NOW + 60_000, 'scope violations');
    await q.noteViolation('s-1', 'v2', NOW, NOW + 60_000, 'scope violations');
    await q.noteViolation('s-1', 'v3', NOW, NOW + 60_000, 'scope violations');
    const blocked = await f.inject({ method: 'POST', url: '/admin/sessions/s-2/block', headers: auth, payload: { reason: 'investigating T-4891' } });
    expect(blocked.statusCode).toBe(200);
    expect(blocked.json()).toMatchObject({ session: 's-2', by: 'admin', reason: 'investigating T-4891' });
    const list = await f.inject({ method: 'GET', url: '/admin/sessions', headers: auth });
    expect(list.json().sessions.map((s: { session: string; by: string }) => `${s.session}:${s.by}`).sort()).toEqual(['s-1:violations', 's-2:admin']);
    expect((await f.inject({ method: 'GET', url: '/admin/sessions/s-1', headers: auth })).json()).toMatchObject({ session: 's-1', until: new Date(NOW + 60_000).toISOString() });
    expect((await f.inject({ method: 'POST', url: '/admin/sessions/s-1/release', headers: auth })).json()).toEqual({ session: 's-1', released: true });
    expect((await f.inject({ method: 'GET', url: '/admin/sessions/s-1', headers: auth })).statusCode).toBe(404);
    expect(await q.isQuarantined('s-1', NOW)).toBe(false);
    expect(await q.isQuarantined('s-2', NOW)).toBe(true);
    const past = await f.inject({ method: 'POST', url: '/admin/sessions/s-3/block', headers: auth, payload: { until: '2000-01-01T00:00:00Z' } });
    expect(past.statusCode).toBe(400);
    const noBody = await f.inject({ method: 'POST', url: '/admin/sessions/s-4/block', headers: auth });
    expect(noBody.statusCode).toBe(200);
    await f.close();
  });

  it('will not start with a short admin token', async () => {
    const f = Fastify({ logger: false });
    await expect(f.register(adminRoutes, { token: 'short', quarantine: createMemoryQuarantine() }).ready()).rejects.toThrow(/at least 16 characters/);
  });

  it('compares tokens by value', () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches(undefined, TOKEN)).toBe(false);
    expect(tokenMatches('', TOKEN)).toBe(false);
  });
});
