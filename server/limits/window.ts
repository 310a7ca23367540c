// Parses a limit's window ('session' or a rolling duration such as '30s', '10m', '1h', '1d')
// and checks a bucket request before any store touches it. Input: a LimitRequest from the
// policy decision; output: a plan the algorithm can run, or a reason why it cannot.
import type { LimitRequest, LimitScope } from '../../compiler/index.ts';

export type WindowPlan =
  | { readonly kind: 'session' }
  | { readonly kind: 'rolling'; readonly windowMs: number };

export interface BucketPlan {
  readonly bucket: LimitRequest;
  readonly window: WindowPlan;
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** a rolling window longer than this is almost certainly a typo; use 'session' instead */
export const MAX_WINDOW_MS = 366 * UNIT_MS.d;
const SCOPES: ReadonlySet<LimitScope> = new Set(['session', 'agent', 'key', 'task', 'upstream']);

type ParsedWindow = WindowPlan | { readonly kind: 'invalid'; readonly reason: string };

// A policy names a handful of windows, and every decision parses its buckets' windows again:
// remember the answers (bounded, in case the windows come from data).
const parsedWindows = new Map<string, ParsedWindow>();
const MAX_REMEMBERED_WINDOWS = 1_024;

export function parseWindow(text: string): ParsedWindow {
  let parsed = parsedWindows.get(text);
  if (parsed === undefined) {
    parsed = parseWindowText(text);
    if (typeof text === 'string' && parsedWindows.size < MAX_REMEMBERED_WINDOWS) parsedWindows.set(text, parsed);
  }
  return parsed;
}

function parseWindowText(text: string): ParsedWindow {
  if (text === 'session') return { kind: 'session' };
  const m = /^([1-9][0-9]{0,8})(s|m|h|d)$/.exec(text);
  if (!m) return { kind: 'invalid', reason: `window '${text}' is neither 'session' nor a duration like '30s', '10m', '1h', '1d'` };
  const windowMs = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  if (windowMs > MAX_WINDOW_MS) return { kind: 'invalid', reason: `window '${text}' is longer than 366 days` };
  return { kind: 'rolling', windowMs };
}

/** Validates every bucket of a decision; the first problem fails the whole decision (closed). */
export function planBuckets(buckets: readonly LimitRequest[]): { ok: true; plans: BucketPlan[] } | { ok: false; reason: string } {
  const plans: BucketPlan[] = [];
  for (const bucket of buckets) {
    const problem = checkBucket(bucket);
    if (problem) return { ok: false, reason: `limit '${String(bucket?.id)}' is invalid: ${problem}` };
    const window = parseWindow(bucket.window);
    if (window.kind === 'invalid') return { ok: false, reason: `limit '${bucket.id}' is invalid: ${window.reason}` };
    plans.push({ bucket, window });
  }
  return { ok: true, plans };
}

function checkBucket(b: LimitRequest): string | null {
  if (typeof b !== 'object' || b === null) return 'not an object';
  if (typeof b.id !== 'string' || b.id === '') return 'id must be a non-empty string';
  if (!SCOPES.has(b.scope)) return `scope '${String(b.scope)}' is not one of session, agent, key, task, upstream`;
  if (typeof b.key !== 'string' || b.key === '') return `the ${b.scope} identity (key) is missing`;
  if (typeof b.max !== 'number' || !Number.isFinite(b.max) || b.max < 0) return 'max must be a finite number >= 0';
  if (typeof b.cost !== 'number' || !Number.isFinite(b.cost) || b.cost < 0) return 'cost must be a finite number >= 0';
  if (typeof b.window !== 'string') return 'window must be a string';
  return null;
}
