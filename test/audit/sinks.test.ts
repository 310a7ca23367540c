// The audit sinks against real parts: a JSONL file in a temp dir (one line per event, size
// rotation), a local HTTP receiver (webhook batches and immediate high-priority posts with
// retry), the real Redis (XADD with MAXLEN) and a stream for stdout.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { buildAuditEvent, createAuditLog, createFileSink, createRedisStreamSink, createStdoutSink } from '../../server/audit/index.ts';
import { makeRecord, quietLog, startReceiver } from '../alerts/fixtures.ts';
import { deleteKeys, REDIS_URL, uniquePrefix } from '../limits/redis-helpers.ts';

const ev = (access: 'read' | 'write' = 'read', id?: string) => buildAuditEvent(makeRecord({ access, ...(id ? { id } : {}) }));

describe('file sink', () => {
  it('appends one JSON event per line and rotates by size, keeping maxFiles', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'leash-audit-'));
    try {
      const path = join(dir, 'nested', 'audit.jsonl');
      const one = Buffer.byteLength(`${JSON.stringify(ev('read', 'd-000'))}\n`);
      const sink = createFileSink({ path, maxBytes: one * 3 + 10, maxFiles: 2 });
      for (let i = 0; i < 10; i++) await sink.write([ev(i % 2 ? 'write' : 'read', `d-${String(i).padStart(3, '0')}`)]);
      await sink.close();
      expect((await readdir(join(dir, 'nested'))).sort()).toEqual(['audit.jsonl', 'audit.jsonl.1', 'audit.jsonl.2']);
      const ids = async (f: string) => (await readFile(join(dir, 'nested', f), 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { decision_id: string }).decision_id);
      expect(await ids('audit.jsonl.2')).toEqual(['d-003', 'd-004', 'd-005']);
      expect(await ids('audit.jsonl.1')).toEqual(['d-006', 'd-007', 'd-008']);
      expect(await ids('audit.jsonl')).toEqual(['d-009']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('webhook sink', () => {
  it('batches normal events, posts high-priority ones at once, and retries a failing receiver', async () => {
    const rx = await startReceiver();
    const audit = createAuditLog([{ type: 'webhook', url: rx.url, headers: { authorization: 'Bearer receiver-secret' }, runner: { batchDelayMs: 60_000, backoffMs: 5 } }], quietLog());
    try {
      rx.failNext([503, 500]);
      for (let i = 0; i < 4; i++) audit.write(ev('read', `r-${i}`));
      audit.write(ev('write', 'w-1'));
      const [first] = await rx.waitFor(1);
      expect((first!.body as { decision_id: string }[]).map((e) => e.decision_id)).toEqual(['w-1']);
      expect(first!.headers.authorization).toBe('Bearer receiver-secret');
      await audit.flush();
      expect((rx.received[1]!.body as { decision_id: string }[]).map((e) => e.decision_id)).toEqual(['r-0', 'r-1', 'r-2', 'r-3']);
      expect(audit.stats()[0]).toMatchObject({ written: 5, retries: 2, failed: 0, dropped: 0 });
      expect(audit.stats()[0]!.sink).toBe(`webhook:${rx.url}`);
    } finally {
      await audit.close();
      await rx.close();
    }
  });
});

describe('redis stream sink', () => {
  const prefix = uniquePrefix('stream');
  const admin = new Redis(REDIS_URL);
  afterAll(async () => {
    await deleteKeys(admin, prefix);
    admin.disconnect();
  });

  it('adds one entry per event with priority and decision id, capped near maxLen', async () => {
    const stream = `${prefix}audit`;
    const sink = createRedisStreamSink({ url: REDIS_URL, stream, maxLen: 5 });
    await admin.ping();
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        await sink.write([ev('write', 'w-0')]);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 20)); // the sink's client is still connecting
      }
    }
    await sink.write(Array.from({ length: 300 }, (_, i) => ev('read', `r-${i}`)));
    await sink.close();
    const entries = await admin.xrevrange(stream, '+', '-', 'COUNT', 1);
    const fields = entries[0]![1];
    expect(fields.slice(2)).toEqual(['priority', 'normal', 'decision_id', 'r-299']);
    expect(JSON.parse(fields[1]!)).toMatchObject({ decision_id: 'r-299', agent_id: 'support-bot' });
    // MAXLEN ~ trims whole macro nodes: well under the 301 added, never below the cap
    const len = await admin.xlen(stream);
    expect(len).toBeGreaterThanOrEqual(5);
    expect(len).toBeLessThan(301);
  });
});

describe('stdout sink', () => {
  it('writes one line per event', async () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    await createStdoutSink(out).write([ev('read', 'a'), ev('write', 'b')]);
    expect(chunks.join('').trim().split('\n').map((l) => (JSON.parse(l) as { decision_id: string }).decision_id)).toEqual(['a', 'b']);
  });
});
