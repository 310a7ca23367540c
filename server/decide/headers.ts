// The x-leash-* identity headers a gateway can pass upstream: the decision id always, the
// verified agent and session when the token verified. (Rate-limit headers come from limits/.)
export function identityHeaders(decisionId: string, agent?: { id: string; session: string }): Record<string, string> {
  const out: Record<string, string> = { 'x-leash-decision-id': decisionId };
  if (agent) {
    const safe = safeIdentity(agent);
    out['x-leash-agent'] = safe.id;
    out['x-leash-session'] = safe.session;
  }
  return out;
}

// The token cache hands out one agent object per token, so its header values are made once.
const safeByAgent = new WeakMap<object, { id: string; session: string }>();

function safeIdentity(agent: { id: string; session: string }): { id: string; session: string } {
  let safe = safeByAgent.get(agent);
  if (safe === undefined) {
    safe = { id: safeHeader(agent.id), session: safeHeader(agent.session) };
    safeByAgent.set(agent, safe);
  }
  return safe;
}

/** Claim values become header values: keep them printable ASCII so no header can be injected. */
function safeHeader(v: string): string {
  return v.replace(/[^\x20-\x7e]/g, '?').slice(0, 256);
}
