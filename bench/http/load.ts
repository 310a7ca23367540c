// The load generator, in its own process so it does not share an event loop with the
// server or the runner: autocannon with fixed connections, for a fixed duration (or a
// fixed number of requests), rotating over pre-built requests (one session each).
// Run: node --import tsx bench/http/load.ts SPEC.json   → one JSON line on stdout.
import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import type { LoadResult, LoadSpec } from './load-spec.ts';

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadSpec;
const variants = spec.variants;
let cursor = 0;

// latencies as floats (autocannon's own histogram has 1 ms resolution; p99 goals need µs)
const latencies: number[] = [];
let notAllowed = 0;

const instance = autocannon({
  url: spec.url,
  connections: spec.connections,
  pipelining: 1,
  timeout: 10,
  ...(spec.amount ? { amount: spec.amount } : { duration: spec.durationS }),
  ...(spec.overallRate ? { overallRate: spec.overallRate } : {}),
  requests: [{
    method: spec.method,
    path: spec.path,
    setupRequest(request: Record<string, unknown>) {
      const variant = variants[cursor]!;
      cursor = cursor + 1 === variants.length ? 0 : cursor + 1;
      return {
        ...request,
        ...(variant.body !== undefined ? { body: variant.body } : {}),
        headers: { ...(request['headers'] as Record<string, string> | undefined), ...spec.headers, ...variant.headers },
      };
    },
    ...(spec.expectAllow ? {
      onResponse(status: number, body: string) {
        if (status !== 200 || !body.includes('"allow":true')) notAllowed++;
      },
    } : {}),
  }],
} as autocannon.Options);

instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
  latencies.push(responseTime);
});

instance.on('done', (result: autocannon.Result) => {
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil(p * latencies.length) - 1))] ?? Number.NaN;
  const out: LoadResult = {
    rps: result.requests.average,
    total: result.requests.total,
    durationS: result.duration,
    p50Ms: at(0.5),
    p90Ms: at(0.9),
    p99Ms: at(0.99),
    maxMs: latencies[latencies.length - 1] ?? Number.NaN,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    notAllowed: spec.expectAllow ? notAllowed : null,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
});
