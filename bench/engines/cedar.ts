// The support-agent scenario in Cedar, evaluated with @cedar-policy/cedar-wasm's
// pre-parsed policy set (`statefulIsAuthorized`), not the call that parses policies on
// every request. Cedar has no route templates, so the host splits the path into segments
// (in the timed path) and the policy compares them, task scope included.
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { PolicyInput } from '../../compiler/index.ts';
import type { Engine } from './engine.ts';

export const CEDAR_POLICIES = `
// read any record of the customer in the agent's task
@id("customerRecords.read")
permit (
  principal is Agent,
  action == Action::"GET",
  resource is Route
) when {
  principal.role == "support" &&
  context.n == 4 && context.s0 == "customers" && context.s1 == principal.task.customerId &&
  context.s2 == "records" && context.s3 != ""
};

// write only the ticket in the agent's task, and its comments
@id("ticket.write")
permit (
  principal is Agent,
  action in [Action::"PATCH", Action::"PUT", Action::"POST"],
  resource is Route
) when {
  principal.role == "support" && context.s0 == "tickets" && context.s1 == principal.task.ticketId &&
  (context.n == 2 || (context.n == 3 && context.s2 == "comments"))
};
`;

let nextSetId = 0;

export function createCedarEngine(): Engine {
  const setId = `leash-bench-${process.pid}-${nextSetId++}`;
  const parsed = cedar.preparsePolicySet(setId, { staticPolicies: CEDAR_POLICIES });
  if (parsed.type !== 'success') {
    throw new Error(`Cedar rejected the bench policies: ${parsed.errors.map((e) => e.message).join('; ')}`);
  }
  return {
    name: 'cedar',
    label: `Cedar ${cedar.getCedarVersion()} (cedar-wasm, statefulIsAuthorized)`,
    decide(input: PolicyInput): boolean {
      const segments = input.request.path.split('/');
      const task = (input.agent.task ?? {}) as Record<string, unknown>;
      const answer = cedar.statefulIsAuthorized({
        principal: { type: 'Agent', id: input.agent.session },
        action: { type: 'Action', id: input.request.method },
        resource: { type: 'Route', id: input.request.path },
        context: {
          n: segments.length - 1,
          s0: segments[1] ?? '',
          s1: segments[2] ?? '',
          s2: segments[3] ?? '',
          s3: segments[4] ?? '',
        },
        preparsedPolicySetId: setId,
        entities: [{
          uid: { type: 'Agent', id: input.agent.session },
          attrs: {
            role: String(input.agent.claims['role'] ?? ''),
            task: { ticketId: String(task['ticketId'] ?? ''), customerId: String(task['customerId'] ?? '') },
          },
          parents: [],
        }],
      });
      // fail closed: an evaluation failure is a deny, as in Leash
      return answer.type === 'success' && answer.response.decision === 'allow';
    },
  };
}
