// Reads a V8 .cpuprofile (written by `node --cpu-prof`) and says what dominates: self time
// per function and per package/area, as shares of all samples. This is how RESULTS.md
// answers "where does the time go" when a goal is missed.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly children?: readonly number[];
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface Hotspot {
  readonly name: string;
  readonly share: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly totalMs: number;
  readonly functions: readonly Hotspot[];
  readonly areas: readonly Hotspot[];
  /** share of samples with the area anywhere on the stack (callees included): what a Leash folder or package costs in total */
  readonly inclusive: readonly Hotspot[];
  /** Leash's own functions (and the SDK's evaluate) by inclusive time: which step of a decision costs what */
  readonly leashFunctions: readonly Hotspot[];
}

/** Where a function lives, coarsely: a package name, a Leash folder, node internals, or V8. */
export function areaOf(url: string, functionName: string): string {
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)' || functionName === '(program)') return functionName;
    return functionName.startsWith('(') ? functionName : 'V8 builtins / native';
  }
  if (url.startsWith('wasm://')) return 'wasm';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const area = /\/(server|compiler|bench|cli)\/([^/]+)/.exec(url);
  if (area) return `leash ${area[1]}/${area[2]!.replace(/\.ts$/, '')}`;
  return url.replace(/^file:\/\//, '');
}

/** `skipMs`: ignore the first milliseconds of the profile (start-up and warm-up, not the steady state). */
export function summarizeProfile(file: string, top = 12, skipMs = 0): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusiveTime = new Map<string, number>();
  const leashFnTime = new Map<string, number>();
  const fnTime = new Map<string, number>();
  const areaTime = new Map<string, number>();
  let total = 0;
  let elapsed = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const dt = profile.timeDeltas[i] ?? 0;
    elapsed += dt;
    if (!node || elapsed < skipMs * 1000) return;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') return; // waiting for I/O is not CPU work
    total += dt;
    const short = url ? `${url.split('/').slice(-2).join('/')}:${lineNumber + 1}` : '';
    const fn = `${functionName || '(anonymous)'}${short ? ` ${short}` : ''}`;
    fnTime.set(fn, (fnTime.get(fn) ?? 0) + dt);
    const area = areaOf(url, functionName);
    areaTime.set(area, (areaTime.get(area) ?? 0) + dt);
    const onStack = new Set<string>();
    const fnsOnStack = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (!frame?.url || frame.url.startsWith('node:')) continue;
      const frameArea = areaOf(frame.url, frame.functionName);
      onStack.add(frameArea);
      if ((frameArea.startsWith('leash ') || frameArea === '@open-policy-agent/opa-wasm') && frame.functionName) {
        fnsOnStack.add(`${frame.functionName} ${frame.url.split('/').slice(-2).join('/')}`);
      }
    }
    for (const a of onStack) inclusiveTime.set(a, (inclusiveTime.get(a) ?? 0) + dt);
    for (const f of fnsOnStack) leashFnTime.set(f, (leashFnTime.get(f) ?? 0) + dt);
  });
  const rank = (m: Map<string, number>) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, t]) => ({ name, share: total ? t / total : 0 }));
  return {
    file, totalMs: total / 1000, functions: rank(fnTime), areas: rank(areaTime), inclusive: rank(inclusiveTime),
    leashFunctions: [...leashFnTime.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20).map(([name, t]) => ({ name, share: total ? t / total : 0 })),
  };
}

/** The newest main-thread profile (CPU.<date>.<time>.<pid>.<thread>.<seq>; thread 0 is main, others are loader workers). */
export function newestProfile(dir: string): string | null {
  try {
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && f.split('.')[4] === '0').sort();
    return files.length ? join(dir, files[files.length - 1]!) : null;
  } catch {
    return null;
  }
}

export function renderProfile(title: string, s: ProfileSummary): string {
  const pct = (h: Hotspot) => `${(h.share * 100).toFixed(1)}%`;
  return [
    `**${title}** (${Math.round(s.totalMs)} ms of CPU samples, \`${s.file}\`)`,
    '',
    `Self time by area: ${s.areas.slice(0, 10).map((h) => `${h.name} ${pct(h)}`).join(', ')}.`,
    '',
    `On the stack (inclusive): ${s.inclusive.slice(0, 12).map((h) => `${h.name} ${pct(h)}`).join(', ')}.`,
    '',
    `Top functions (self time): ${s.functions.slice(0, 12).map((h) => `\`${h.name}\` ${pct(h)}`).join(', ')}.`,
    '',
    `Leash and SDK functions (inclusive): ${s.leashFunctions.slice(0, 16).map((h) => `\`${h.name}\` ${pct(h)}`).join(', ')}.`,
  ].join('\n');
}
