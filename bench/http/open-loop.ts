// Open-loop load at a fixed rate: requests leave on a schedule (every 1/rate seconds,
// sent in the small batches Node's timers allow) whether or not earlier answers have
// arrived, over an undici pool of fixed connections. autocannon's own rate limit sends each
// connection's whole per-second budget at once, which measures bursts, not a steady rate.
import { Pool } from 'undici';
import { summarizeLatencies } from './latencies.ts';
import type { LoadResult, LoadSpec } from './load-spec.ts';

export async function runOpenLoop(spec: LoadSpec, rate: number): Promise<LoadResult> {
  const pool = new Pool(spec.url, { connections: spec.connections, pipelining: 1 });
  const latencies: number[] = [];
  let [non2xx, errors, notAllowed, sent, cursor] = [0, 0, 0, 0, 0];
  const inFlight = new Set<Promise<void>>();
  const intervalMs = 1000 / rate;
  const total = Math.round(rate * spec.durationS);

  const sendOne = () => {
    const variant = spec.variants[cursor]!;
    cursor = cursor + 1 === spec.variants.length ? 0 : cursor + 1;
    const started = performance.now();
    const p = pool.request({
      method: spec.method,
      path: spec.path,
      headers: { ...spec.headers, ...variant.headers },
      ...(variant.body !== undefined ? { body: variant.body } : {}),
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    }).then(async (res) => {
      const text = await res.body.text();
      latencies.push(performance.now() - started);
      if (res.statusCode < 200 || res.statusCode > 299) non2xx++;
      if (spec.expectAllow && (res.statusCode !== 200 || !text.includes('"allow":true'))) notAllowed++;
    }, () => { errors++; }).finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  const start = performance.now();
  while (sent < total) {
    const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
    while (sent < due) { sendOne(); sent++; }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inFlight);
  const elapsedS = (performance.now() - start) / 1000;
  await pool.close();
  return {
    rps: latencies.length / elapsedS,
    total: sent,
    durationS: elapsedS,
    ...summarizeLatencies(latencies),
    non2xx,
    errors,
    timeouts: 0,
    notAllowed: spec.expectAllow ? notAllowed : null,
  };
}
