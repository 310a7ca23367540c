// Nanoseconds per operation, measured in batches: each batch runs `batchSize` calls over a
// rotating pool of inputs and is timed as a whole (so the timer's own cost is amortised);
// the median over batches is the figure, the batch spread shows the noise.
import { percentile, median } from './stats.ts';

export interface BatchTiming {
  readonly nsPerOp: number;
  readonly p10: number;
  readonly p90: number;
  readonly batches: readonly number[];
}

export function timeBatches<I>(fn: (input: I) => unknown, inputs: readonly I[], batches: number, batchSize: number): BatchTiming {
  const perBatch: number[] = [];
  let cursor = 0;
  let sink = 0;
  for (let b = 0; b < batches; b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batchSize; i++) {
      // keep a data dependency on the result so the call cannot be optimised away
      if (fn(inputs[cursor]!) !== undefined) sink++;
      cursor = cursor + 1 === inputs.length ? 0 : cursor + 1;
    }
    perBatch.push(Number(process.hrtime.bigint() - start) / batchSize);
  }
  if (sink < 0) console.log(sink);
  return { nsPerOp: median(perBatch), p10: percentile(perBatch, 10), p90: percentile(perBatch, 90), batches: perBatch };
}

/** Runs `fn` repeatedly for about `ms` milliseconds: JIT warm-up before measuring. */
export function warmUp<I>(fn: (input: I) => unknown, inputs: readonly I[], ms: number): void {
  const until = performance.now() + ms;
  let i = 0;
  while (performance.now() < until) {
    for (let k = 0; k < 100; k++) { fn(inputs[i]!); i = (i + 1) % inputs.length; }
  }
}
