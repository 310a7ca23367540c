// Alerts for policy bundles the server refused after it started (a bad signature, a tampered
// or broken bundle on hot reload or from the bundle service): one immediate Slack-compatible
// message naming the bundle, the reason and the revision that keeps serving. The same
// reason for the same bundle is sent once per `repeatAfterMs` (default 10 minutes), so a
// poller that keeps fetching one bad bundle does not flood the channel.
import type { Notifier } from './notifier.ts';
import type { SlackMessage } from './slack.ts';

export function bundleRejectedMessage(bundle: string, reason: string, serving: string | null): SlackMessage {
  const keeps = serving ? `revision ${serving} keeps serving` : 'no revision is serving: decisions are refused until a good bundle loads';
  const text = `Leash: policy bundle rejected: ${bundle}: ${reason.slice(0, 500)}; ${keeps}`;
  return {
    text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'Leash: policy bundle rejected' } },
      { type: 'section', text: { type: 'mrkdwn', text: `*Bundle* \`${bundle}\`\n*Why* ${reason.slice(0, 1500)}\n*Now* ${keeps}` } },
    ],
  };
}

export interface BundleAlerter {
  rejected(bundle: string, reason: string, serving: string | null): void;
}

export function createBundleAlerter(notifier: Pick<Notifier, 'send'>, options: { now?: () => number; repeatAfterMs?: number } = {}): BundleAlerter {
  const now = options.now ?? Date.now;
  const repeat = options.repeatAfterMs ?? 600_000;
  const last = new Map<string, number>();
  return {
    rejected(bundle, reason, serving) {
      const key = `${bundle}\u0000${reason}`;
      const t = now();
      const at = last.get(key);
      if (at !== undefined && t - at < repeat) return;
      if (last.size > 100) last.clear();
      last.set(key, t);
      notifier.send(bundleRejectedMessage(bundle, reason, serving), 'bundle_rejected');
    },
  };
}
