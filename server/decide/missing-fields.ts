// Names the data an undecided deny lacked. The bundle lists what each deny rule's condition
// reads (data.leash.fields: "refunds.tooLarge" → ["body.amount"]); the ones absent from this
// input are what the agent (or the gateway) left out. The decision itself is the engine's.
import type { PolicyInput } from '../../compiler/index.ts';

const cache = new WeakMap<object, Readonly<Record<string, unknown>> | null>();

function fieldsOf(data: unknown): Readonly<Record<string, unknown>> | null {
  if (typeof data !== 'object' || data === null) return null;
  const hit = cache.get(data);
  if (hit !== undefined) return hit;
  const leash = (data as { leash?: unknown }).leash;
  const fields = typeof leash === 'object' && leash !== null ? (leash as { fields?: unknown }).fields : undefined;
  const out = typeof fields === 'object' && fields !== null && !Array.isArray(fields) ? (fields as Record<string, unknown>) : null;
  cache.set(data, out);
  return out;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function rootOf(input: PolicyInput, root: string): unknown {
  switch (root) {
    case 'agent': return input.agent;
    case 'task': return input.agent.task;
    case 'request': return input.request;
    case 'query': return input.request.query;
    case 'body': return input.request.body;
    default: return undefined;
  }
}

function present(input: PolicyInput, field: string): boolean {
  const [root, ...keys] = field.split('.');
  let at: unknown = rootOf(input, root ?? '');
  for (const k of keys) {
    if (Array.isArray(at) && /^\d+$/.test(k)) { at = at[Number(k)]; continue; }
    if (!isRecord(at) || !Object.prototype.hasOwnProperty.call(at, k)) return false;
    at = at[k];
  }
  return at !== undefined;
}

/** The fields rule `rule` reads that `input` does not have, in the bundle's order. */
export function missingFields(data: unknown, rule: string, input: PolicyInput): string[] {
  const fields = fieldsOf(data);
  const list = fields && Object.prototype.hasOwnProperty.call(fields, rule) ? fields[rule] : undefined;
  if (!Array.isArray(list)) return [];
  return list.filter((f): f is string => typeof f === 'string' && !present(input, f));
}
