// Closed-loop load with autocannon: fixed connections, each sending its next request as
// soon as the previous answer arrives, for a fixed duration or number of requests,
// rotating over pre-built requests (one session each).
import autocannon from 'autocannon';
import { summarizeLatencies } from './latencies.ts';
import type { LoadResult, LoadSpec } from './load-spec.ts';

export function runClosedLoop(spec: LoadSpec): Promise<LoadResult> {
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
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    latencies.push(responseTime);
  });
  return new Promise((resolve) => {
    instance.on('done', (result: autocannon.Result) => {
      resolve({
        rps: result.requests.average,
        total: result.requests.total,
        durationS: result.duration,
        ...summarizeLatencies(latencies),
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        notAllowed: spec.expectAllow ? notAllowed : null,
      });
    });
  });
}
