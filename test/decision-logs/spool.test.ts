// The disk spool on real files: what a previous run left is read back in order with the
// batch in flight; a line torn by a crash is skipped, counted once and cut out; wholly
// acknowledged segments are deleted; a folder held by a live process is refused. And the
// uploader's drop of a single event too large for one upload (counted as too_large).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildAuditEvent } from '../../server/audit/index.ts';
import { createDecisionLogUploader, openSpool, type SpoolEntry } from '../../server/decision-logs/index.ts';
import { makeRecord, quietLog } from '../alerts/fixtures.ts';
import { startCollector, storedIds, tempDir, until, type Collector } from './helpers.ts';

const entry = (seq: number): SpoolEntry => {
  const json = JSON.stringify({ decision_id: `d-${seq}` });
  return { seq, json, bytes: Buffer.byteLength(json) };
};

const collectors: Collector[] = [];
afterAll(async () => {
  await Promise.all(collectors.map((c) => c.close()));
});

describe('spool', () => {
  it('reads back unacknowledged entries and the batch in flight; a torn line is counted once and cut out', async () => {
    const dir = tempDir('spool');
    const first = openSpool(dir, { syncMs: 0 });
    expect(first.recovered).toEqual({ entries: [], batch: null, corrupt: 0 });
    const seqs = [first.nextSeq(), first.nextSeq(), first.nextSeq()];
    expect(seqs).toEqual([1, 2, 3]);
    await first.append(seqs.map(entry));
    await first.markBatch(1, 2);
    await first.close();
    const [segment] = readdirSync(dir).filter((f) => f.startsWith('seg-'));
    appendFileSync(join(dir, segment!), '{"seq":4,"event":{"decision_id":"d-'); // a write torn by a crash

    const second = openSpool(dir, { syncMs: 0 });
    expect(second.recovered.entries.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(second.recovered.entries[0]!.json).toBe('{"decision_id":"d-1"}');
    expect(second.recovered.batch).toEqual([1, 2]);
    expect(second.recovered.corrupt).toBe(1);
    expect(second.nextSeq()).toBe(4);
    await second.ack(3); // 1 and 2 acknowledged
    await second.close();

    const third = openSpool(dir, { syncMs: 1_000 });
    expect(third.recovered.entries.map((e) => e.seq)).toEqual([3]);
    expect(third.recovered.batch).toBeNull();
    expect(third.recovered.corrupt).toBe(0);
    await third.close();
  });

  it('deletes wholly acknowledged segments', async () => {
    const dir = tempDir('segments');
    const spool = openSpool(dir, { syncMs: 0, segmentBytes: 10 });
    for (let i = 0; i < 4; i++) await spool.append([entry(spool.nextSeq())]);
    const segments = () => readdirSync(dir).filter((f) => f.startsWith('seg-')).length;
    expect(segments()).toBe(4);
    await spool.ack(3);
    expect(segments()).toBe(2);
    await spool.ack(5);
    expect(segments()).toBe(0);
    await spool.close();
    expect(openSpool(dir, { syncMs: 0 }).recovered.entries).toEqual([]);
  });

  it('refuses a folder in use by this process or by another live process, and takes over a dead one\'s', async () => {
    const dir = tempDir('lock');
    const spool = openSpool(dir, { syncMs: 0 });
    expect(() => openSpool(dir, { syncMs: 0 })).toThrow(/already in use in this process/);
    await spool.close();
    writeFileSync(join(dir, 'lock'), String(process.ppid));
    expect(() => openSpool(dir, { syncMs: 0 })).toThrow(new RegExp(`in use by process ${process.ppid}`));
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(join(dir, 'lock'), String(dead));
    await openSpool(dir, { syncMs: 0 }).close();
  });
});

describe('uploader', () => {
  it('drops one event whose gzip alone exceeds the upload size limit, counted as too_large, and sends the rest', async () => {
    const collector = await startCollector('up');
    collectors.push(collector);
    const log = quietLog();
    const uploader = createDecisionLogUploader({ url: collector.url, spoolDir: join(tempDir('too-large'), 'spool'), uploadSizeLimitBytes: 2_048, minDelayMs: 1, maxDelayMs: 5, log });
    try {
      const noise = randomBytes(4_500).toString('base64'); // 6,000 characters that gzip cannot shrink below 2 KiB
      uploader.write(buildAuditEvent(makeRecord({ id: 'small-1' })));
      uploader.write(buildAuditEvent(makeRecord({ id: 'huge', body: { note: noise } })));
      uploader.write(buildAuditEvent(makeRecord({ id: 'small-2' })));
      await collector.waitForEvents(2);
      await until(() => uploader.stats().bufferedEvents === 0, 'an empty buffer');
      expect(storedIds(collector)).toEqual(['small-1', 'small-2']);
      expect(uploader.stats().dropped).toMatchObject({ too_large: 1, buffer_full: 0 });
      expect(log.lines.some((l) => l.msg === 'decision-log event larger than the upload size limit: dropped' && (l.obj as { decision_id?: string }).decision_id === 'huge')).toBe(true);
    } finally {
      await uploader.close();
    }
  });
});
