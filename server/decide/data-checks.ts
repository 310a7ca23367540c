// What the server adds to a policy decision from the request itself (docs/dsl.md, "Missing
// data fails closed"): a body-reading resource asked about without a body is denied
// body_unavailable, and an undecided deny's reasons name the fields the request lacks. Shared
// by the decision service and `leash eval`, so both answer alike.
import type { Decision, PolicyInput } from '../../compiler/index.ts';
import { missingFields } from './missing-fields.ts';
import { bodyReadingResource } from './needs-body.ts';

/** The body_unavailable reason, or null when the request has its body or needs none. */
export function bodyUnavailable(data: unknown, decision: Pick<Decision, 'resources'>, body: unknown, via: string): string | null {
  if (body !== undefined && body !== null) return null;
  const reader = bodyReadingResource(data, decision.resources);
  if (reader === null) return null;
  const why = via === 'authz' ? ' (nginx and Caddy never send it to /authz; Envoy and Traefik do when configured to, docs/gateways.md#request-bodies)' : '';
  return `resource ${reader} reads the request body, which this request did not carry${why}`;
}

/** The decision's reasons, plus the absent fields of the undecided deny that decided it. */
export function reasonsWithMissing(data: unknown, decision: Pick<Decision, 'allow' | 'class' | 'rule' | 'reasons'>, input: PolicyInput): readonly string[] {
  if (decision.allow || decision.class !== 'input' || decision.rule === null) return decision.reasons;
  const missing = missingFields(data, decision.rule, input);
  return missing.length > 0 ? [...decision.reasons, `missing for rule ${decision.rule}: ${missing.join(', ')}`] : decision.reasons;
}
