// leash_decision_duration_seconds is kept in typed arrays (server/metrics/histogram.ts), not in
// a prom-client Histogram: fed the same generated durations per endpoint, it must read exactly
// as a real prom-client Histogram with the same name and buckets, in the text exposition, in
// getMetricsAsJSON (what each `--workers` worker hands the AggregatorRegistry), aggregated over
// two workers, through getSingleMetric().get() (the console's charts) and after resetMetrics().
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AggregatorRegistry, Histogram, Registry } from 'prom-client';
import { createMetrics, type LeashMetrics } from '../../server/metrics/index.ts';
import { createChartSampler } from '../../server/console/charts.ts';
import type { DecisionAnswer, DecisionRequest } from '../../server/contracts.ts';

const NAME = 'leash_decision_duration_seconds';
const HELP = 'Time to decide, from request to answer (token check, evaluation, limits)';
const BOUNDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];
const VIAS = ['decide', 'data-api', 'authz', 'proxy', 'mcp', 'authzen'] as const;
type Via = (typeof VIAS)[number];

const answer = { allow: true, access: 'read', rule: 'r', status: 200, decision_id: 'd', headers: {} } as unknown as DecisionAnswer;
const requestFor = (via: Via) => ({ method: 'GET', path: '/', via }) as DecisionRequest;

function reference(): { registry: Registry; histogram: Histogram<'via'> } {
  const registry = new Registry();
  const histogram = new Histogram({ name: NAME, help: HELP, labelNames: ['via'] as const, buckets: BOUNDS, registers: [registry] });
  return { registry, histogram };
}

/** this metric's lines of a full text exposition */
function linesOf(text: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${NAME}_`) || l.startsWith(`# HELP ${NAME} `) || l.startsWith(`# TYPE ${NAME} `));
}

async function jsonOf(registry: Pick<Registry, 'getMetricsAsJSON'>) {
  return (await registry.getMetricsAsJSON()).find((m) => m.name === NAME);
}

async function expectSame(ours: LeashMetrics, ref: Registry): Promise<void> {
  const refText = await ref.metrics();
  expect(linesOf(await ours.registry.metrics())).toEqual(linesOf(refText));
  expect(await ours.registry.getSingleMetricAsString(NAME)).toBe(await ref.getSingleMetricAsString(NAME));
  const [a, b] = [await jsonOf(ours.registry), await jsonOf(ref)];
  expect(a).toStrictEqual(b);
  // what crosses the IPC channel to the primary, byte for byte (key order included)
  expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  expect(await ours.registry.getSingleMetric(NAME)!.get()).toStrictEqual(await ref.getSingleMetric(NAME)!.get());
}

// durations: anywhere (beyond the last bound, zero, the odd negative) and exactly on the bounds
const duration = fc.oneof(
  fc.double({ min: -0.001, max: 1, noNaN: true }),
  fc.double({ min: 0, max: 0.3, noNaN: true }),
  fc.constantFrom(...BOUNDS, 0, 0.25000000000000006, 1e-300),
);
const observations = fc.array(fc.tuple(fc.constantFrom(...VIAS), duration), { maxLength: 200 });

describe('leash_decision_duration_seconds', () => {
  it('reads as prom-client\'s own Histogram fed the same durations (text and JSON), also between observations', async () => {
    await fc.assert(
      fc.asyncProperty(observations, observations, async (first, second) => {
        const ours = createMetrics();
        const ref = reference();
        for (const [via, s] of first) {
          ours.observeDecision(answer, requestFor(via), s);
          ref.histogram.observe({ via }, s);
        }
        await expectSame(ours, ref.registry);
        // reading is not consuming: later observations add to the same totals
        for (const [via, s] of second) {
          ours.observeDecision(answer, requestFor(via), s);
          ref.histogram.observe({ via }, s);
        }
        await expectSame(ours, ref.registry);
      }),
      { numRuns: 150 },
    );
  });

  it('aggregates over workers as prom-client\'s Histogram does (AggregatorRegistry over getMetricsAsJSON)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(observations, { minLength: 1, maxLength: 3 }), async (perWorker) => {
        const ours = perWorker.map(() => createMetrics());
        const refs = perWorker.map(() => reference());
        perWorker.forEach((obs, w) => {
          for (const [via, s] of obs) {
            ours[w]!.observeDecision(answer, requestFor(via), s);
            refs[w]!.histogram.observe({ via }, s);
          }
        });
        // as the primary receives them: JSON over the IPC channel
        const wire = async (r: Registry) => JSON.parse(JSON.stringify(await r.getMetricsAsJSON()));
        const a = AggregatorRegistry.aggregate(await Promise.all(ours.map((m) => wire(m.registry))));
        const b = AggregatorRegistry.aggregate(await Promise.all(refs.map((r) => wire(r.registry))));
        expect(await a.getSingleMetricAsString(NAME)).toBe(await b.getSingleMetricAsString(NAME));
        expect(linesOf(await a.metrics())).toEqual(linesOf(await b.metrics()));
        expect(await jsonOf(a)).toStrictEqual(await jsonOf(b));
      }),
      { numRuns: 60 },
    );
  });

  it('exposes nothing before the first decision, and resetMetrics() drops every endpoint as prom-client does', async () => {
    const ours = createMetrics();
    const ref = reference();
    await expectSame(ours, ref.registry);
    expect(linesOf(await ours.registry.metrics())).toEqual([`# HELP ${NAME} ${HELP}`, `# TYPE ${NAME} histogram`]);
    for (const [i, via] of VIAS.entries()) {
      ours.observeDecision(answer, requestFor(via), i * 0.01);
      ref.histogram.observe({ via }, i * 0.01);
    }
    await expectSame(ours, ref.registry);
    ours.registry.resetMetrics();
    ref.registry.resetMetrics();
    await expectSame(ours, ref.registry);
    ours.observeDecision(answer, requestFor('mcp'), 0.003);
    ref.histogram.observe({ via: 'mcp' }, 0.003);
    await expectSame(ours, ref.registry);
    expect(linesOf(await ours.registry.metrics())).toContain(`${NAME}_bucket{le="0.005",via="mcp"} 1`);
  });

  it('rejects a duration that is not a number, as prom-client does, and records nothing for it', async () => {
    const ours = createMetrics();
    const ref = reference();
    for (const bad of [NaN, Infinity, -Infinity]) {
      let refMessage = '';
      try {
        ref.histogram.observe({ via: 'decide' }, bad);
      } catch (err) {
        refMessage = (err as Error).message;
      }
      expect(refMessage).not.toBe('');
      expect(() => ours.observeDecision(answer, requestFor('decide'), bad)).toThrow(new TypeError(refMessage));
    }
    await expectSame(ours, ref.registry);
  });

  it('feeds the console charts the same latency quantiles', async () => {
    const ours = createMetrics();
    let t = 1_000;
    const sampler = createChartSampler(ours.registry, { everyMs: 3_600_000, now: () => t });
    await sampler.sample();
    // 90 fast decisions, 10 slow ones: p50 inside (0.0005, 0.001], p99 inside (0.025, 0.05]
    for (let i = 0; i < 100; i++) ours.observeDecision(answer, requestFor(i % 2 ? 'decide' : 'authz'), i < 90 ? 0.0008 : 0.04);
    t += 2_000;
    await sampler.sample();
    sampler.close();
    const [point] = sampler.points();
    expect(point!.decisionsPerSecond).toBe(50);
    expect(point!.p50).toBeGreaterThan(0.0005);
    expect(point!.p50).toBeLessThanOrEqual(0.001);
    expect(point!.p99).toBeGreaterThan(0.025);
    expect(point!.p99).toBeLessThanOrEqual(0.05);
  });
});

describe('leash_errors_total from decisions', () => {
  it('counts policy_error and store_unavailable answers, and no other code', async () => {
    const ours = createMetrics();
    const deny = (code?: string) => ({ ...answer, allow: false, status: 403, code }) as unknown as DecisionAnswer;
    for (const code of ['policy_error', 'store_unavailable', 'policy_error', 'bad_token', 'quarantined', undefined]) ours.observeDecision(deny(code), requestFor('decide'), 0.001);
    const lines = (await ours.registry.getSingleMetricAsString('leash_errors_total')).split('\n').filter((l) => !l.startsWith('#'));
    expect(lines).toEqual(['leash_errors_total{kind="policy_error"} 2', 'leash_errors_total{kind="store_unavailable"} 1']);
  });
});
