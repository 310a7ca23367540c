// How many decision-log events per second the uploader sustains to a local collector (a
// child process on 127.0.0.1 that gunzips and parses every batch before it answers 200):
// events written in turns of 64 (as the audit observer hands them over), converted to
// OPA's format, spooled to disk, batched to 32 KiB gzip'd bodies and POSTed, until the
// collector acknowledged all of them. Baseline in the same run: the raw cost of the same
// conversion + JSON.stringify + gzip of the same events in batches of the same size, with
// no disk and no HTTP. Two spool fsync policies: at most every second (default), and
// before every append counts as buffered (spoolSyncMs 0). Median of the runs (min–max).
// Writes the `decision-logs` section of bench/RESULTS.md.
// Usage: node --import ./bin/register.mjs bench/decision-logs.ts [--quick]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildAuditEvent, type AuditEvent } from '../server/audit/index.ts';
import type { DecisionAnswer, DecisionRecord } from '../server/contracts.ts';
import { createDecisionLogUploader, parseMask, toDecisionLogEvent } from '../server/decision-logs/index.ts';
import { describeMachine } from './lib/machine.ts';
import { fmt, fmtBytes, table } from './lib/markdown.ts';
import { writeSection } from './lib/results.ts';
import { summarize } from './lib/stats.ts';

const quick = process.argv.includes('--quick');
const RUNS = quick ? 2 : 5;
const EVENTS = quick ? 5_000 : 20_000;
const TURN = 64;
const MASK = parseMask(['/input/request/body/card']);

const COLLECTOR = `
const http = require('http'), zlib = require('zlib');
let events = 0, batches = 0, bytes = 0;
const server = http.createServer((req, res) => {
  if (req.method === 'GET') { res.end(JSON.stringify({ events, batches, bytes })); return; }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const list = JSON.parse(zlib.gunzipSync(body).toString('utf8'));
    events += list.length; batches++; bytes += body.length;
    res.end();
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

function record(i: number): DecisionRecord {
  const session = `s-${(i % 997).toString(36)}`;
  const write = i % 5 === 0;
  const agent = { id: 'support-bot', session, key: 'key-17', claims: { sub: 'support-bot', sid: session, role: 'support', iss: 'https://idp.bench', aud: 'leash', exp: 1_900_000_000, iat: 1_800_000_000, task: { ticketId: 'T-4891', customerId: 'C-771' } }, task: { ticketId: 'T-4891', customerId: 'C-771' } };
  const path = write ? '/tickets/T-4891/comments' : `/customers/C-771/records/${i}`;
  const answer: DecisionAnswer = {
    decision_id: `0b9f6c1e-${i.toString(16).padStart(8, '0')}-4a1b-9c2d-${(i * 7919).toString(16).padStart(12, '0')}`,
    allow: true,
    access: write ? 'write' : 'read',
    rule: write ? 'ticketComments.write' : 'customerRecords.read',
    reasons: [],
    limits: [{ id: `support-agent/${write ? 'write' : 'read'}/session`, scope: 'session', key: session, max: write ? 5 : 50, window: 'session', cost: 1 }],
    priority: write ? 'high' : 'normal',
    class: null,
    resources: [write ? 'support-agent/ticketComments' : 'support-agent/customerRecords'],
    status: 200,
    headers: {},
    agent,
    input: {
      agent,
      request: { method: write ? 'POST' : 'GET', path, query: {}, headers: { 'x-request-id': `r-${i}`, 'user-agent': 'agent-sdk/1.4' }, body: write ? { text: `comment ${i}`, card: '4111111111111111' } : null },
      upstream: null,
      now: (1_800_000_000_000 + i) * 1e6,
    },
    bucketStates: [{ id: `support-agent/${write ? 'write' : 'read'}/session`, limit: write ? 5 : 50, remaining: 3, resetMs: 0 }],
    revision: 'a1b2c3d4e5f6',
  };
  return { request: { method: answer.input!.request.method, path, via: 'decide' }, answer, timestampMs: 1_800_000_000_000 + i, durationNs: 41_000 };
}

const labels = { id: 'bench-host:4242', version: '0.1.0' };
const events: AuditEvent[] = Array.from({ length: EVENTS }, (_, i) => buildAuditEvent(record(i), { labels }));
const rawBytes = events.reduce((n, e) => n + Buffer.byteLength(JSON.stringify(toDecisionLogEvent(e, MASK))), 0);

const child = spawn(process.execPath, ['-e', COLLECTOR], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise<number>((resolve, reject) => {
  let out = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    if (out.includes('\n')) resolve(Number(out.trim()));
  });
  child.on('exit', (code) => reject(new Error(`collector exited ${code}`)));
});
const collectorUrl = `http://127.0.0.1:${port}`;
const collectorCounts = async () => (await (await fetch(collectorUrl)).json()) as { events: number; batches: number; bytes: number };
const quiet = { warn: () => undefined, error: (obj: object, msg: string) => process.stderr.write(`${msg} ${JSON.stringify(obj)}\n`) };

interface UploadRun {
  readonly eventsPerSecond: number;
  readonly batches: number;
  readonly gzipBytes: number;
}

async function uploaderRun(syncMs: number): Promise<UploadRun> {
  const dir = mkdtempSync(join(tmpdir(), 'leash-dl-bench-'));
  const before = await collectorCounts();
  const uploader = createDecisionLogUploader({ url: collectorUrl, mask: MASK, spoolDir: dir, spoolSyncMs: syncMs, minDelayMs: 50, maxDelayMs: 100, maxEvents: EVENTS * 2, log: quiet });
  try {
    const start = performance.now();
    for (let i = 0; i < events.length; i += TURN) {
      for (let j = i; j < Math.min(events.length, i + TURN); j++) uploader.write(events[j]!);
      await new Promise((r) => setImmediate(r));
    }
    while (uploader.stats().uploadedEvents < EVENTS) await new Promise((r) => setTimeout(r, 2));
    const seconds = (performance.now() - start) / 1000;
    const after = await collectorCounts();
    if (after.events - before.events !== EVENTS) throw new Error(`collector counted ${after.events - before.events} of ${EVENTS} events`);
    const s = uploader.stats();
    if (Object.values(s.dropped).some((n) => n > 0)) throw new Error(`drops: ${JSON.stringify(s.dropped)}`);
    return { eventsPerSecond: EVENTS / seconds, batches: after.batches - before.batches, gzipBytes: after.bytes - before.bytes };
  } finally {
    await uploader.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function baselineRun(perBatch: number): number {
  const start = performance.now();
  for (let i = 0; i < events.length; i += perBatch) {
    const parts: string[] = [];
    for (let j = i; j < Math.min(events.length, i + perBatch); j++) parts.push(JSON.stringify(toDecisionLogEvent(events[j]!, MASK)));
    gzipSync(`[${parts.join(',')}]`);
  }
  return EVENTS / ((performance.now() - start) / 1000);
}

const lazy: UploadRun[] = [];
const eager: UploadRun[] = [];
const base: number[] = [];
try {
  await uploaderRun(1_000); // warm-up (JIT, connection), not counted
  for (let r = 0; r < RUNS; r++) {
    lazy.push(await uploaderRun(1_000));
    eager.push(await uploaderRun(0));
    base.push(baselineRun(Math.max(1, Math.round(EVENTS / lazy[lazy.length - 1]!.batches))));
  }
} finally {
  child.kill();
}

const rate = (xs: readonly number[]) => {
  const s = summarize(xs);
  return `${fmt(s.median, 0)} (${fmt(s.min, 0)}–${fmt(s.max, 0)})`;
};
const baseMedian = summarize(base).median;
const lazyMedian = summarize(lazy.map((r) => r.eventsPerSecond)).median;
const eagerMedian = summarize(eager.map((r) => r.eventsPerSecond)).median;
const batches = summarize(lazy.map((r) => r.batches)).median;
const gzipBytes = summarize(lazy.map((r) => r.gzipBytes)).median;
const m = describeMachine();
const markdown = [
  '## Decision-log upload throughput',
  '',
  `Run ${new Date().toISOString()} on ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}; load average ${m.loadAverage.map((l) => l.toFixed(2)).join(' / ')} at the end (a shared machine: figures under load are lower bounds).`,
  `Command: \`node --import ./bin/register.mjs bench/decision-logs.ts${quick ? ' --quick' : ''}\`. ${EVENTS.toLocaleString('en-US')} support-agent decision events per run ` +
  `(${fmt(rawBytes / EVENTS, 0)} bytes of JSON each in OPA's format, one mask pointer), written ${TURN} per event-loop turn into \`createDecisionLogUploader\` ` +
  '(server/decision-logs), which spools them to a temporary folder and uploads gzip\'d batches of at most 32 KiB to a collector in a child process on 127.0.0.1 ' +
  '(it gunzips and parses every batch, then answers 200). Timed from the first write until the collector acknowledged the last event. ' +
  `${RUNS} runs after one warm-up run, variants interleaved; median (min–max). The baseline is the same conversion, JSON.stringify and gzip (zlib level 6) of the same events in batches of the same size, in a tight loop, no disk and no HTTP.`,
  '',
  table(['variant', 'events/s', '÷ baseline'], [
    ['baseline: convert + JSON.stringify + gzipSync, same batches', rate(base), '1.00×'],
    ['uploader, spool fdatasync at most every 1 s (default)', rate(lazy.map((r) => r.eventsPerSecond)), `${fmt(lazyMedian / baseMedian, 2)}×`],
    ['uploader, spool fdatasync before events count as buffered (`spoolSyncMs: 0`)', rate(eager.map((r) => r.eventsPerSecond)), `${fmt(eagerMedian / baseMedian, 2)}×`],
  ]),
  '',
  `Batches per run (default variant): ${fmt(batches, 0)}, ${fmt(EVENTS / batches, 0)} events and ${fmtBytes(Math.round(gzipBytes / batches))} gzip'd each (compression ${fmt(rawBytes / gzipBytes, 1)}:1). ` +
  'Each batch also writes the spool state twice (temp file and rename; fdatasync\'ed with the file and the folder at once only with `spoolSyncMs: 0`): when it is formed and when it is acknowledged. ' +
  'The last, partly filled batch of a run waits for the 50–100 ms batch delay (`minDelayMs`/`maxDelayMs` in this script), which is inside the timed span. One batch is in flight at a time; the next is gzip\'d while it is.',
].join('\n');
writeSection({ name: 'decision-logs', markdown });
console.log(markdown);
