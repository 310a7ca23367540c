// The x-leash-* identity headers a gateway can pass upstream: the decision id always, the
// verified agent and session when the token verified. (Rate-limit headers come from limits/.)
export function identityHeaders(decisionId: string, agent?: { id: string; session: string }): Record<string, string> {
  const out: Record<string, string> = { 'x-leash-decision-id': decisionId };
  if (agent) {
    out['x-leash-agent'] = safeHeader(agent.id);
    out['x-leash-session'] = safeHeader(agent.session);
  }
  return out;
}

/** Claim values become header values: keep them printable ASCII so no header can be injected. */
function safeHeader(v: string): string {
  return v.replace(/[^\x20-\x7e]/g, '?').slice(0, 256);
}
