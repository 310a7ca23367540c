// Where one decision's time goes, in process (no HTTP): the decision service wired as
// `leash serve` wires it (jose verifier with its token cache, the example bundle through the
// opa-wasm SDK, the in-memory limit store, the audit observer writing the JSONL file with the
// in-memory quarantine, metrics), each part wrapped in a timer, driven by many sessions of the support agent.
// Writes the `stages` section of bench/RESULTS.md; the HTTP section's "server CPU per
// request" is the same decision plus Fastify, JSON in and out and the kernel's TCP work.
// Usage: node --import ./bin/register.mjs bench/decide-stages.ts [--quick]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryQuarantine } from '../server/alerts/index.ts';
import { auditLine, createAuditLog, createDecisionObserver, createEventBuilder } from '../server/audit/index.ts';
import type { DecisionRecord, DecisionRequest, LimitStore } from '../server/contracts.ts';
import { createDecisionService } from '../server/decide/index.ts';
import { loadBundleFile } from '../server/engine/bundle-loader.ts';
import type { PolicyEvaluator } from '../server/engine/index.ts';
import { createKeySource, createVerifier, type TokenVerifier } from '../server/identity/index.ts';
import { createMemoryLimitStore } from '../server/limits/index.ts';
import { createMetrics } from '../server/metrics/index.ts';
import { publicAnswer } from '../server/routes/services.ts';
import { buildExampleBundle } from './lib/bundle.ts';
import { describeMachine } from './lib/machine.ts';
import { fmt, table } from './lib/markdown.ts';
import { writeSection } from './lib/results.ts';
import { median } from './lib/stats.ts';
import { BENCH_AUDIENCE, BENCH_ISSUER, createMinter } from './http/tokens.ts';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 7;
const PER_ROUND = quick ? 10_000 : 30_000;
// enough sessions that none reaches the policy's 50 reads (a 429 is a cheaper, different path)
const SESSIONS = Math.max(3_000, Math.ceil((ROUNDS * PER_ROUND) / 40));
/** yield to the event loop this often, as a server does between batches of requests */
const TURN = 32;

/** Accumulated milliseconds per stage; reset every round. */
const spent = { verify: 0, evaluate: 0, limits: 0, metrics: 0 };
type Stage = keyof typeof spent;

function timed<T>(stage: Stage, fn: () => T): T {
  const t = performance.now();
  try {
    return fn();
  } finally {
    spent[stage] += performance.now() - t;
  }
}

function timedVerifier(inner: TokenVerifier): TokenVerifier {
  // a cached token resolves without awaiting anything, so the synchronous part is all of it
  return { verify: (token, thumb) => timed('verify', () => inner.verify(token, thumb)) };
}

function timedEvaluator(inner: PolicyEvaluator): PolicyEvaluator {
  return { revision: inner.revision, data: inner.data, evaluate: (input) => timed('evaluate', () => inner.evaluate(input)) };
}

function timedLimits(inner: LimitStore): LimitStore {
  return { consume: (request) => timed('limits', () => inner.consume(request)), close: () => inner.close() };
}

const work = mkdtempSync(join(tmpdir(), 'leash-stages-'));
try {
  const built = await buildExampleBundle(join(work, 'bundle.tar.gz'));
  if (!built.ok) throw new Error(`cannot build the example bundle: ${built.problem}`);
  const minter = await createMinter(join(work, 'jwks.json'));
  const tokens = await minter.mint(SESSIONS, 'stages');
  const evaluator = await loadBundleFile(readFileSync(built.out), built.out);
  const verifier = createVerifier({
    keys: createKeySource(minter.jwksPath),
    algorithms: ['EdDSA'], issuer: [BENCH_ISSUER], audience: [BENCH_AUDIENCE],
    clockToleranceSeconds: 30, maxLifetimeSeconds: 86_400, sessionClaim: 'sid', keyClaim: 'client_id', taskClaim: 'task',
    maxTokenBytes: 8_192, cacheSize: 10_000,
  });
  const log = { warn: () => {}, error: (obj: object, msg: string) => process.stderr.write(`${msg} ${JSON.stringify(obj)}\n`) };
  const observer = createDecisionObserver({
    audit: createAuditLog([{ type: 'file', path: join(work, 'audit.jsonl') }], log),
    quarantine: createMemoryQuarantine(),
    log,
    labels: { id: 'bench', version: '0' },
  });
  const policy = timedEvaluator(evaluator);
  const records: DecisionRecord[] = [];
  const metrics = createMetrics();
  const service = createDecisionService({
    verifier: timedVerifier(verifier),
    policy: () => policy,
    limits: timedLimits(createMemoryLimitStore()),
    observer: { record: (r) => { if (records.length < PER_ROUND) records.push(r); observer.record(r); }, isQuarantined: (s) => observer.isQuarantined(s), close: () => observer.close() },
    log,
    evalTimeoutMs: 100,
    readsOnStoreUnavailable: 'deny',
    listeners: [(answer, req, seconds) => timed('metrics', () => metrics.observeDecision(answer, req, seconds))],
  });

  const request = (i: number): DecisionRequest => ({ via: 'decide', method: 'GET', path: `/customers/C-771/records/${i % 1000}`, token: tokens[i % SESSIONS]! });
  // the end of a turn: the audit observer builds that turn's events, the file sink writes them
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

  // warm-up: every token verified once (then served from the cache), the JIT warm
  for (let i = 0; i < SESSIONS; i += TURN) {
    await Promise.all(Array.from({ length: Math.min(TURN, SESSIONS - i) }, (_, k) => service.decide(request(i + k))));
    await turn();
  }

  const rounds: { total: number; stages: Record<Stage, number>; answer: number }[] = [];
  let denied = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const k of Object.keys(spent) as Stage[]) spent[k] = 0;
    records.length = 0;
    let answerMs = 0;
    const started = performance.now();
    // a turn's requests are decided together, as when one turn of the server reads them
    for (let i = 0; i < PER_ROUND; i += TURN) {
      const answers = await Promise.all(Array.from({ length: Math.min(TURN, PER_ROUND - i) }, (_, k) => service.decide(request(SESSIONS + round * PER_ROUND + i + k))));
      for (const answer of answers) {
        if (!answer.allow) denied++;
        // the route's share of the answer: its public shape as JSON (what Fastify sends)
        const t = performance.now();
        JSON.stringify(publicAnswer(answer));
        answerMs += performance.now() - t;
      }
      await turn();
    }
    const total = performance.now() - started;
    rounds.push({ total: (total * 1000) / PER_ROUND, stages: Object.fromEntries(Object.entries(spent).map(([k, v]) => [k, (v * 1000) / PER_ROUND])) as Record<Stage, number>, answer: (answerMs * 1000) / PER_ROUND });
  }
  // the audit event alone, on this run's records: built as the observer builds it (one
  // builder, its labels fixed) and serialised as the file sink does (the event's own line)
  const auditOnly: number[] = [];
  const buildEvent = createEventBuilder({ labels: { id: 'bench', version: '0' } });
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    for (const record of records) auditLine(buildEvent(record));
    auditOnly.push(((performance.now() - t) * 1000) / records.length);
  }
  await observer.close();

  const med = (pick: (r: (typeof rounds)[number]) => number) => median(rounds.map(pick));
  const total = med((r) => r.total);
  const stageRows: [string, number][] = [
    ['token check (`verify`, a cached token: SHA-256 of the token, LRU lookup)', med((r) => r.stages.verify)],
    ['policy evaluation (`evaluate`: input JSON, opa-wasm SDK `evaluate`, result check)', med((r) => r.stages.evaluate)],
    ['limits (`consume`, in-memory store: plan, keys, GCRA step, write)', med((r) => r.stages.limits)],
    ['audit event built and serialised (tight loop over this run\'s records; in the service it runs at the end of each turn)', median(auditOnly)],
    ['metrics (prom-client counter and histogram)', med((r) => r.stages.metrics)],
    ['answer as the route sends it (`publicAnswer` + JSON.stringify)', med((r) => r.answer)],
  ];
  const named = stageRows.reduce((n, [, v]) => n + v, 0);
  const rows = [
    ...stageRows.map(([name, v]) => [name, fmt(v, 2), `${fmt((100 * v) / total, 0)}%`]),
    ['the rest: input building, quarantine check, answer shaping, promises, turns, the file sink\'s writes, garbage collection', fmt(total - named, 2), `${fmt((100 * (total - named)) / total, 0)}%`],
    ['**one decision, in process**', `**${fmt(total, 2)}**`, '100%'],
  ];
  const m = describeMachine();
  const markdown = [
    '## Where a decision\'s time goes (in process)',
    '',
    `Run ${new Date().toISOString()} on ${m.cores} cores (${m.cpuModel}), Node ${m.node}; load average ${m.loadAverage.map((l) => l.toFixed(2)).join(' / ')} at the end.`,
    `Command: \`node --import ./bin/register.mjs bench/decide-stages.ts${quick ? ' --quick' : ''}\`. The decision service as \`leash serve\` wires it, without HTTP: ` +
    `${SESSIONS.toLocaleString('en-US')} support-agent sessions (tokens verified once, then cached), allowed reads, ${ROUNDS} rounds of ${PER_ROUND.toLocaleString('en-US')} decisions, ` +
    `${TURN} decisions started together per turn of the event loop, as one turn of the server reads them (their evaluations run back to back at the turn's end, and the audit observer builds and hands over that turn's events). ` +
    `Each stage is timed around its call inside the real service; µs per decision, median over rounds. ${denied ? `${denied} decisions were denied (expected 0).` : 'Every decision was allowed.'}`,
    '',
    table(['stage', 'µs per decision', 'share'], rows),
    '',
    'The total is wall time per decision of the whole loop, so everything not timed on its own is in "the rest".',
    'Compare the HTTP section\'s "server CPU µs/request": the same decision plus Fastify (routing, body parsing and validation, reply), and the kernel\'s loopback TCP work, which is counted in the server\'s system time.',
  ].join('\n');
  writeSection({ name: 'stages', markdown });
  console.log(markdown);
  // a denied decision measured a different path: the section says so, and the runner reports the script as failed
  if (denied) process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
