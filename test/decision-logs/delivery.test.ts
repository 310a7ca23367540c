// Delivery against a collector that goes away and comes back (503, then connection
// refused, then up): every decision arrives exactly once, batches stay under the upload
// size limit, and a failed batch is re-sent identically (same bytes, same decision ids)
// until the collector acknowledges it. With a tiny buffer, the newest events are dropped,
// counted in leash_decision_logs_dropped_total{reason} and logged, and the rest arrive.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundleFile, makeKeys, supportClaims, type TestKeys } from '../server/helpers.ts';
import { makeDecisions, metricsText, startCollector, startLeash, storedIds, tempDir, until, type Collector } from './helpers.ts';

let keys: TestKeys;
let bundle: string;
const collectors: Collector[] = [];

beforeAll(async () => {
  [keys, { path: bundle }] = await Promise.all([makeKeys(), buildBundleFile(['policies'])]);
}, 180_000);
afterAll(async () => {
  await Promise.all(collectors.map((c) => c.close()));
});

const metric = (text: string, name: string) => Number(new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);

describe('delivery', () => {
  it('a collector down for a while (503, then refused) then back receives every decision exactly once, failed batches re-sent identically', async () => {
    const collector = await startCollector('503');
    collectors.push(collector);
    const leash = await startLeash(keys, bundle, tempDir('retry'), { url: collector.url, uploadSizeLimitBytes: 2_048 });
    try {
      const ids: string[] = [];
      for (let s = 0; s < 3; s++) ids.push(...(await makeDecisions(leash.url, await keys.sign(supportClaims()), 40, s * 40)));
      await until(() => collector.attempts.filter((a) => a.status === 503).length >= 4, 'retries against the 503 collector');
      await collector.setMode('refused');
      const failedBefore = metric(await metricsText(leash.url), 'leash_decision_logs_uploads_total{outcome="failed"}');
      ids.push(...(await makeDecisions(leash.url, await keys.sign(supportClaims()), 30, 120)));
      await until(async () => metric(await metricsText(leash.url), 'leash_decision_logs_uploads_total{outcome="failed"}') >= failedBefore + 2, 'refused upload attempts');
      await collector.setMode('up');
      await collector.waitForEvents(ids.length);
      await until(async () => metric(await metricsText(leash.url), 'leash_decision_logs_buffered_events') === 0, 'an empty buffer');

      // exactly once: the multiset of ids received is the set of decisions made
      expect(storedIds(collector)).toEqual([...ids].sort());
      expect(new Set(ids).size).toBe(ids.length);
      // several batches, each under the limit
      const accepted = collector.attempts.filter((a) => a.status === 200);
      expect(accepted.length).toBeGreaterThan(3);
      for (const a of collector.attempts) expect(a.body.length).toBeLessThanOrEqual(2_048);
      // a batch that failed is the very next thing sent, byte for byte (one batch in flight at a time)
      const seen = collector.attempts;
      for (let i = 0; i + 1 < seen.length; i++) {
        if (seen[i]!.status !== 503) continue;
        expect(seen[i + 1]!.body.equals(seen[i]!.body)).toBe(true);
        expect(seen[i + 1]!.events.map((e) => e['decision_id'])).toEqual(seen[i]!.events.map((e) => e['decision_id']));
      }
      const text = await metricsText(leash.url);
      expect(metric(text, 'leash_decision_logs_events_total{outcome="uploaded"}')).toBe(ids.length);
      expect(metric(text, 'leash_decision_logs_dropped_total{reason="buffer_full"}')).toBe(0);
      expect(leash.logs.text).toContain('decision-log upload failed; the batch stays spooled and is retried');
      expect(leash.logs.text).toContain('decision-log uploads recovered');
    } finally {
      await leash.close();
    }
  });

  it('decisions are answered while the collector hangs; the upload times out, is retried, and every event arrives once', async () => {
    const collector = await startCollector('hang');
    collectors.push(collector);
    const leash = await startLeash(keys, bundle, tempDir('hang'), { url: collector.url, timeoutMs: 100 });
    try {
      const token = await keys.sign(supportClaims());
      const ids = await makeDecisions(leash.url, token, 10);
      await until(() => collector.attempts.length === 0 && leash.logs.text.includes('decision-log upload failed'), 'a timed-out upload');
      ids.push(...(await makeDecisions(leash.url, token, 10, 10))); // still answered while the upload is stuck
      await collector.setMode('up');
      await collector.waitForEvents(ids.length);
      await until(async () => metric(await metricsText(leash.url), 'leash_decision_logs_buffered_events') === 0, 'an empty buffer');
      expect(storedIds(collector)).toEqual([...ids].sort());
    } finally {
      await leash.close();
    }
  });

  it('with a full buffer the newest events are dropped, counted by reason and logged; the buffered ones arrive', async () => {
    const collector = await startCollector('refused');
    collectors.push(collector);
    const leash = await startLeash(keys, bundle, tempDir('drops'), { url: collector.url, bufferSizeLimitEvents: 5 });
    try {
      const ids = await makeDecisions(leash.url, await keys.sign(supportClaims()), 12);
      await until(async () => metric(await metricsText(leash.url), 'leash_decision_logs_dropped_total{reason="buffer_full"}') === 7, '7 drops');
      const text = await metricsText(leash.url);
      expect(metric(text, 'leash_decision_logs_buffered_events')).toBe(5);
      const warning = leash.logs.lines().find((l) => l['msg'] === 'decision-log events dropped');
      expect(warning).toMatchObject({ level: 40, reason: 'buffer_full', max_events: 5 });
      await collector.setMode('up');
      await collector.waitForEvents(5);
      await until(async () => metric(await metricsText(leash.url), 'leash_decision_logs_buffered_events') === 0, 'an empty buffer');
      expect(storedIds(collector)).toEqual(ids.slice(0, 5).sort());
      // room again: new decisions are shipped
      const more = await makeDecisions(leash.url, await keys.sign(supportClaims()), 3, 100);
      await collector.waitForEvents(8);
      expect(storedIds(collector)).toEqual([...ids.slice(0, 5), ...more].sort());
      expect(metric(await metricsText(leash.url), 'leash_decision_logs_dropped_total{reason="buffer_full"}')).toBe(7);
    } finally {
      await leash.close();
    }
  });
});
