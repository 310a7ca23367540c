// Alerts for policy bundles the server refused after it started (a bad signature, a tampered
// or broken bundle on hot reload or from the bundle service): one immediate Slack-compatible
// message naming the bundle, the reason and the revision that keeps serving. The same
// reason for the same bundle is sent once per `repeatAfterMs` (default 10 minutes), so a
// poller that keeps fetching one bad bundle does not flood the channel. With Redis that
// holds fleet-wide: every worker and server loads the bundle itself and refuses it alike,
// and the first to claim the (bundle, reason) key in Redis is the one that sends.
import { createHash } from 'node:crypto';
import type { AlertFleet } from './fleet.ts';
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

/** true when this process is the one to send the alert of `key` for the next `ttlMs` */
export type AlertClaim = (key: string, ttlMs: number) => Promise<boolean>;

/** the deployment's claim (fleet.ts): one key per (bundle, reason), `<prefix>{alerts}:bundle-rejected:<hash>` */
export function fleetAlertClaim(fleet: Pick<AlertFleet, 'claim'>): AlertClaim {
  return (key, ttlMs) => fleet.claim(`bundle-rejected:${key}`, ttlMs);
}

export interface BundleAlerterOptions {
  readonly now?: () => number;
  readonly repeatAfterMs?: number;
  /** fleet-wide once per `repeatAfterMs` (Redis); without it, once per process */
  readonly claim?: AlertClaim;
}

export function createBundleAlerter(notifier: Pick<Notifier, 'send'>, options: BundleAlerterOptions = {}): BundleAlerter {
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
      const send = () => notifier.send(bundleRejectedMessage(bundle, reason, serving), 'bundle_rejected');
      if (!options.claim) {
        send();
        return;
      }
      // Redis unreachable: better the same alert from every worker than none
      options.claim(createHash('sha256').update(key).digest('hex').slice(0, 32), repeat)
        .then((mine) => { if (mine) send(); }, send)
        .catch(() => undefined); // the notifier logs its own failures; a throw here must not become an unhandled rejection
    },
  };
}
