// The support-agent rules of issue 2 as a plain JS function: a fourth, independent voter
// in the equivalence check, so a mismatch can be pinned on the encoding that is wrong.
import type { PolicyInput } from '../../compiler/index.ts';
import type { Engine } from './engine.ts';
import { SUPPORT_AGENT } from './scenario.ts';

const READ = new Set<string>(SUPPORT_AGENT.readMethods);
const WRITE = new Set<string>(SUPPORT_AGENT.writeMethods);

export function referenceDecision(input: PolicyInput): boolean {
  if (input.agent.claims['role'] !== SUPPORT_AGENT.role) return false;
  const task = (input.agent.task ?? {}) as Record<string, unknown>;
  const segments = input.request.path.split('/').slice(1);
  const method = input.request.method;
  if (READ.has(method)) {
    return segments.length === 4 && segments[0] === 'customers' && segments[1] === task['customerId'] &&
      segments[2] === 'records' && segments[3] !== '';
  }
  if (WRITE.has(method)) {
    if (segments[0] !== 'tickets' || segments[1] !== task['ticketId']) return false;
    return segments.length === 2 || (segments.length === 3 && segments[2] === 'comments');
  }
  return false;
}

export const referenceEngine: Engine = {
  name: 'reference',
  label: 'issue 2 facts in plain JS',
  decide: referenceDecision,
};
