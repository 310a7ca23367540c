// Runs every conformance case through the wasm path and prints per-topic counts plus each
// failure (stage and detail): `npx tsx test/conformance/eval-report.ts [topic]`; with no topic,
// `--write-baseline` and `--write-exceptions` record the current pass counts and failures.
import { writeFileSync } from 'node:fs';
import { loadConformanceCases } from './load-cases.ts';
import { runCase, type Outcome } from './eval-runner.ts';

const topic = process.argv.slice(2).find((a) => !a.startsWith('--'));
const cases = loadConformanceCases().filter((c) => !topic || c.topic === topic);
const started = Date.now();
const results: { note: string; file: string; topic: string; outcome: Outcome }[] = [];
for (const c of cases) {
  let outcome: Outcome;
  try {
    outcome = await runCase(c);
  } catch (e) {
    outcome = { status: 'fail', stage: 'compile', detail: `crash: ${e instanceof Error ? e.stack ?? e.message : String(e)}` };
  }
  results.push({ note: c.note, file: c.file, topic: c.topic, outcome });
}
const byTopic = new Map<string, [number, number]>();
for (const r of results) {
  const t = byTopic.get(r.topic) ?? [0, 0];
  t[1]++;
  if (r.outcome.status === 'pass') t[0]++;
  byTopic.set(r.topic, t);
}
for (const r of results) {
  if (r.outcome.status === 'fail') console.log(`FAIL ${r.file} :: ${r.note} [${r.outcome.stage}] ${r.outcome.detail.slice(0, 300).replace(/\n/g, ' | ')}`);
}
for (const [t, [p, n]] of [...byTopic].sort()) console.log(`${t.padEnd(28)} ${p}/${n}`);
const pass = results.filter((r) => r.outcome.status === 'pass').length;
console.log(`total ${pass}/${results.length} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
if (process.argv.includes('--write-baseline') && !topic) {
  const topics = Object.fromEntries([...byTopic].sort().map(([t, [p]]) => [t, p]));
  writeFileSync(new URL('./eval-baseline.json', import.meta.url), `${JSON.stringify({ total: pass, topics }, null, 2)}\n`);
}
if (process.argv.includes('--write-exceptions') && !topic) {
  const ex = results.filter((r) => r.outcome.status === 'fail').map((r) => ({
    file: r.file, note: r.note,
    reason: r.outcome.status === 'fail' ? `${r.outcome.stage}: ${r.outcome.detail.split('\n')[0]!.slice(0, 200)}` : '',
  }));
  writeFileSync(new URL('./exceptions.json', import.meta.url), `${JSON.stringify(ex, null, 2)}\n`);
}
