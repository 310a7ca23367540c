// Rego front-end throughput: lex, parse, parse + check, and print over a generated corpus
// of realistic policy modules; lines per second (median of rounds), with lexing alone as
// the same-run baseline. Writes the `rego-parse` section of bench/RESULTS.md.
// Usage: node --import tsx bench/rego-parse.ts [--quick]
import { cpus, totalmem, platform, release, arch, loadavg } from 'node:os';
import { checkModules, parseModule, printModule, type Module } from '../compiler/rego/index.ts';
import { lex } from '../compiler/rego/lexer.ts';
import { writeSection } from './lib/results.ts';

const quick = process.argv.includes('--quick');
const MODULES = quick ? 200 : 1000;
const ROUNDS = quick ? 3 : 5;

/** One generated module: a mix of every rule kind and the common body constructs. */
function generateModule(i: number): string {
  const rules: string[] = [];
  for (let r = 0; r < 6; r++) {
    const n = `${i}_${r}`;
    rules.push(
      `# reads for customer ${n}\nallow_${n} if {\n\tinput.request.method == "GET"\n\tsome seg in split(input.request.path, "/")\n\tstartswith(seg, "C-")\n\tinput.agent.task.customerId == seg\n\tnot deny_${n}\n}`,
      `deny_${n} if {\n\tcount(input.agent.claims.scopes) == 0\n}`,
      `reasons_${n} contains msg if {\n\tnot allow_${n}\n\tmsg := sprintf("request %v is outside task %v", [input.request.path, input.agent.task.ticketId])\n}`,
      `limits_${n}[id] := lim if {\n\tsome id, lim in data.limits\n\tlim.max > ${r}\n}`,
      `score_${n}(x) := y if {\n\ty := (x * 2) + ${r}\n} else := 0`,
      `ids_${n} := [x.id | some x in input.items; x.kind == "record"]`,
      `every_${n} if {\n\tevery h in input.request.headers {\n\t\tis_string(h)\n\t}\n}`,
    );
  }
  return `package bench.p${i}\n\nimport rego.v1\n\ndefault allow := false\n\n${rules.join('\n\n')}\n`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const sources = Array.from({ length: MODULES }, (_, i) => generateModule(i));
const lines = sources.reduce((n, s) => n + s.split('\n').length, 0);
const bytes = sources.reduce((n, s) => n + s.length, 0);

let parsed: Module[] = [];
const stages: Record<string, () => void> = {
  'lex only (baseline)': () => { for (const s of sources) lex(s); },
  parse: () => { parsed = sources.map((s, i) => parseModule(s, `m${i}.rego`).module!); },
  'parse + check': () => {
    const ms = sources.map((s, i) => parseModule(s, `m${i}.rego`).module!);
    const ds = checkModules(ms);
    if (ds.length > 0) throw new Error(`corpus does not check: ${ds[0]!.message}`);
  },
  print: () => { for (const m of parsed) printModule(m); },
};

stages.parse!(); // warm up and fill `parsed`
stages['parse + check']!();
const results = Object.entries(stages).map(([name, fn]) => {
  const secs = Array.from({ length: ROUNDS }, () => time(fn));
  return { name, secs: median(secs), min: Math.min(...secs), max: Math.max(...secs) };
});

const baseline = results[0]!.secs;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
const table = results.map((r) =>
  `| ${r.name} | ${fmt(lines / r.secs)} | ${(r.secs * 1000).toFixed(0)} ms (${(r.min * 1000).toFixed(0)}–${(r.max * 1000).toFixed(0)}) | ${(r.secs / baseline).toFixed(1)}× |`);
const markdown = [
  '## Rego front end: parse and check throughput',
  '',
  `Run ${new Date().toISOString()} on ${cpus().length} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${platform()} ${release()} ${arch()}; load average ${loadavg().map((l) => l.toFixed(1)).join(' / ')} at the end (the machine is shared: figures under load are lower bounds).`,
  `Command: \`node --import tsx bench/rego-parse.ts${quick ? ' --quick' : ''}\`. Corpus: ${MODULES} generated modules, ${fmt(lines)} lines, ${(bytes / 2 ** 20).toFixed(1)} MiB (every rule kind, some/every/comprehensions/else/calls); checked as one set. Median of ${ROUNDS} rounds (min–max); the ratio is time against lexing alone in the same run.`,
  '',
  '| stage | lines/s (median) | time per corpus | vs lex |',
  '|---|---|---|---|',
  ...table,
].join('\n');

writeSection({ name: 'rego-parse', markdown });
console.log(markdown);
