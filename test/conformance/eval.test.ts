// OPA's conformance cases evaluated through Leash's wasm compiler and the real opa-wasm
// SDK. Every failing case must be named in exceptions.json with a reason, and no topic may
// pass fewer cases than eval-baseline.json records (the baseline only goes up). Skipped,
// with a message, when ../shared/conformance is absent.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { conformanceDir, loadConformanceCases } from './load-cases.ts';
import { runCase } from './eval-runner.ts';

interface Exception { readonly file: string; readonly note: string; readonly reason: string }
const baseline = JSON.parse(readFileSync(new URL('./eval-baseline.json', import.meta.url), 'utf8')) as { total: number; topics: Record<string, number> };
const exceptions = JSON.parse(readFileSync(new URL('./exceptions.json', import.meta.url), 'utf8')) as Exception[];
const dir = conformanceDir();

describe('OPA conformance, evaluated in wasm', () => {
  if (dir === undefined) {
    it('needs ../shared/conformance/opa-v1', () => {
      console.warn('conformance cases not found at ../shared/conformance/opa-v1: wasm evaluation not run');
    });
    return;
  }
  it('passes every case not listed in exceptions.json, and at least the baseline per topic', async () => {
    const cases = loadConformanceCases(dir);
    expect(cases.length).toBeGreaterThan(600);
    const excepted = new Set(exceptions.map((e) => `${e.file}::${e.note}`));
    for (const e of exceptions) expect(e.reason.length, `exception without a reason: ${e.note}`).toBeGreaterThan(0);
    const perTopic = new Map<string, { pass: number; total: number }>();
    const unexpected: string[] = [];
    const nowPassing: string[] = [];
    for (const c of cases) {
      const outcome = await runCase(c);
      const t = perTopic.get(c.topic) ?? { pass: 0, total: 0 };
      t.total++;
      const key = `${c.file}::${c.note}`;
      if (outcome.status === 'pass') {
        t.pass++;
        if (excepted.has(key)) nowPassing.push(key);
      } else if (!excepted.has(key)) {
        unexpected.push(`${key} [${outcome.stage}] ${outcome.detail.slice(0, 300)}`);
      }
      perTopic.set(c.topic, t);
    }
    const rows = [...perTopic].sort().map(([topic, { pass, total }]) => `${topic.padEnd(28)} ${String(pass).padStart(4)}/${total}`);
    const pass = [...perTopic.values()].reduce((n, t) => n + t.pass, 0);
    console.log(`wasm conformance: ${pass}/${cases.length}\n${rows.join('\n')}`);
    if (nowPassing.length > 0) console.log(`now passing, remove from exceptions.json:\n${nowPassing.join('\n')}`);
    expect(unexpected, 'failing cases not in exceptions.json').toEqual([]);
    for (const [topic, min] of Object.entries(baseline.topics)) {
      expect(perTopic.get(topic)?.pass ?? 0, `topic ${topic} fell below its baseline`).toBeGreaterThanOrEqual(min);
    }
    expect(pass).toBeGreaterThanOrEqual(baseline.total);
  }, 400_000);
});
