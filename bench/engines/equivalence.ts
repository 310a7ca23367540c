// Do the engines agree? Every engine decides every generated request; a request where any
// two disagree is a mismatch, reported with each engine's answer. Benchmarks only run when
// there are none (timing engines that decide different things would be meaningless).
import type { PolicyInput } from '../../compiler/index.ts';
import type { Engine } from './engine.ts';

export interface Mismatch {
  readonly input: PolicyInput;
  readonly answers: Readonly<Record<string, boolean>>;
}

export interface EquivalenceReport {
  readonly engines: readonly string[];
  readonly checked: number;
  readonly allowed: number;
  readonly mismatches: readonly Mismatch[];
}

export function checkEquivalence(engines: readonly Engine[], inputs: readonly PolicyInput[]): EquivalenceReport {
  const mismatches: Mismatch[] = [];
  let allowed = 0;
  for (const input of inputs) {
    const answers: Record<string, boolean> = {};
    for (const engine of engines) answers[engine.name] = engine.decide(input);
    const values = Object.values(answers);
    if (values.some((v) => v !== values[0])) mismatches.push({ input, answers });
    else if (values[0]) allowed++;
  }
  return { engines: engines.map((e) => e.name), checked: inputs.length, allowed, mismatches };
}

/** One line per mismatch: what was asked, who said what. */
export function describeMismatch(m: Mismatch): string {
  const who = Object.entries(m.answers).map(([name, allow]) => `${name}=${allow ? 'allow' : 'deny'}`).join(' ');
  const task = JSON.stringify(m.input.agent.task);
  return `${m.input.request.method} ${m.input.request.path} role=${String(m.input.agent.claims['role'])} task=${task}: ${who}`;
}
