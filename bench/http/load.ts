// The load generator, in its own process so it does not share an event loop with the
// server or the runner: closed loop with autocannon (as fast as the server answers), or
// open loop at a fixed rate when the spec sets `overallRate`.
// Run: node --import tsx bench/http/load.ts SPEC.json   → one JSON line on stdout.
import { readFileSync } from 'node:fs';
import { runClosedLoop } from './closed-loop.ts';
import type { LoadSpec } from './load-spec.ts';
import { runOpenLoop } from './open-loop.ts';

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadSpec;
const result = spec.overallRate ? await runOpenLoop(spec, spec.overallRate) : await runClosedLoop(spec);
process.stdout.write(`${JSON.stringify(result)}\n`);
