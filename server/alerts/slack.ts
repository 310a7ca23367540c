// Slack-compatible message bodies ({ text, blocks }) for an immediate alert, a quarantine
// notice and the periodic read digest. Plain text first, so any webhook that only reads
// `text` (Mattermost, Rocket.Chat, generic receivers) still gets the whole story.
import type { Anomaly, AnomalyKind } from './classify.ts';

export interface SlackMessage {
  readonly text: string;
  readonly blocks?: readonly unknown[];
}

const TITLES: Record<AnomalyKind, string> = {
  write_denied: 'Write denied',
  write_limit_hit: 'Write limit hit',
  write_out_of_scope: 'Write outside the task scope',
  write_business_rule: 'Write denied by a business rule',
  write_input_missing: 'Write denied: data the policy needs is missing',
  read_denied: 'Read denied',
  read_limit_hit: 'Read limit hit',
  read_out_of_scope: 'Read outside the task scope',
  read_business_rule: 'Read denied by a business rule',
  read_input_missing: 'Read denied: data the policy needs is missing',
};

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const clip = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}…` : s);

export function alertMessage(a: Anomaly): SlackMessage {
  const task = a.task ? clip(JSON.stringify(a.task), 200) : 'none';
  const reasons = a.reasons.length > 0 ? a.reasons.map((r) => clip(r)).join('; ') : 'no reason given';
  const text = `Leash: ${TITLES[a.kind]}: agent ${a.agentId}, session ${a.session}: ${a.method} ${clip(a.path, 200)} (${reasons})`;
  return {
    text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `Leash: ${TITLES[a.kind]}` } },
      section(`*Agent* \`${a.agentId}\`  *Session* \`${a.session}\`  *Key* \`${a.keyId ?? 'none'}\`\n*Request* \`${a.method} ${clip(a.path, 200)}\`\n*Task* \`${task}\`\n*Rule* \`${a.rule ?? 'none'}\`\n*Why* ${reasons}`),
      { type: 'context', elements: [{ type: 'mrkdwn', text: `decision ${a.decisionId} at ${new Date(a.timestampMs).toISOString()}` }] },
    ],
  };
}

export function quarantineMessage(a: Anomaly, violations: number, untilMs: number): SlackMessage {
  const text = `Leash: session ${a.session} of agent ${a.agentId} is QUARANTINED for the rest of its life (until ${new Date(untilMs).toISOString()}) after ${violations} violations (${a.class}); last: ${a.method} ${clip(a.path, 200)}`;
  return {
    text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'Leash: session quarantined' } },
      section(`Session \`${a.session}\` of agent \`${a.agentId}\` (key \`${a.keyId ?? 'none'}\`) is blocked for the rest of its life, until ${new Date(untilMs).toISOString()}, after *${violations}* violations (last of class ${a.class}).\nLast: \`${a.method} ${clip(a.path, 200)}\`. Release it with \`POST /admin/sessions/${encodeURIComponent(a.session)}/release\`.`),
    ],
  };
}

export interface DigestLine {
  readonly kind: AnomalyKind;
  readonly agentId: string;
  readonly session: string;
  readonly count: number;
  readonly lastPath: string;
}

export function digestMessage(lines: readonly DigestLine[], sinceMs: number, untilMs: number, overflow: number): SlackMessage {
  const total = lines.reduce((s, l) => s + l.count, 0) + overflow;
  const rows = lines.map((l) => `• ${TITLES[l.kind]} ×${l.count}: agent ${l.agentId}, session ${l.session} (last ${clip(l.lastPath, 120)})`);
  if (overflow > 0) rows.push(`• …and ${overflow} more in sessions not listed`);
  const text = `Leash digest ${new Date(sinceMs).toISOString()} to ${new Date(untilMs).toISOString()}: ${total} anomalies\n${rows.join('\n')}`;
  return { text, blocks: [{ type: 'header', text: { type: 'plain_text', text: `Leash digest: ${total} anomalies` } }, section(clip(rows.join('\n'), 2900))] };
}
