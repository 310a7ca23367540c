// Sends alerts: write anomalies and quarantines at once (POST to a Slack-compatible
// webhook with retry and backoff, in the background), read anomalies into a digest sent
// every `digestEveryMs`. A burst of immediate alerts beyond `maxImmediatePerMinute` spills
// into the digest instead of flooding the channel. Without a webhook, alerts go to the log.
// With a fleet (Redis), the cap and the digest are the deployment's, not the process's.
import { postJson } from '../audit/sinks/webhook.ts';
import type { AuditLogger } from '../audit/sink.ts';
import type { Anomaly } from './classify.ts';
import type { AlertFleet, DigestShare } from './fleet.ts';
import { alertMessage, digestMessage, quarantineMessage, type DigestLine, type SlackMessage } from './slack.ts';

export interface NotifierOptions {
  readonly webhookUrl?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** default 5 minutes */
  readonly digestEveryMs?: number;
  readonly maxImmediatePerMinute?: number;
  readonly digestMaxLines?: number;
  readonly attempts?: number;
  readonly backoffMs?: number;
  readonly timeoutMs?: number;
  readonly log: AuditLogger;
  readonly now?: () => number;
  /**
   * Shared with the deployment's other processes (Redis): the immediate-alert cap counts all
   * of their alerts, and one digest per period merges all of their lines. Digest periods
   * then start on multiples of `digestEveryMs` of the clock, in every process alike.
   */
  readonly fleet?: AlertFleet;
  /** with a fleet: how long after a period ends its sender waits for the others' lines (default 2 s, at most a quarter period) */
  readonly digestGraceMs?: number;
}

export interface NotifierStats {
  readonly sent: number;
  readonly failed: number;
  readonly digested: number;
  /** the latest webhook delivery failed after every attempt, and none has succeeded since */
  readonly failing?: boolean;
}

/** One alert and how its delivery went, for the operator console (the newest 200 are kept). */
export interface AlertDelivery {
  readonly id: number;
  /** what kind of alert: an anomaly kind, 'quarantine', 'digest', 'bundle_rejected', ... */
  readonly what: string;
  /** the alert text as sent (built from redacted decision records) */
  readonly text: string;
  readonly createdMs: number;
  /** 'logged': no webhook is configured, the alert went to the log */
  readonly state: 'sending' | 'retrying' | 'delivered' | 'failed' | 'logged';
  readonly attempts: number;
  /** why the last attempt failed: an HTTP status or a network error class, never the URL */
  readonly lastError?: string;
  readonly settledMs?: number;
}

export interface Notifier {
  immediate(a: Anomaly): void;
  quarantined(a: Anomaly, violations: number, untilMs: number): void;
  digest(a: Anomaly): void;
  /** send a message at once, in the background (bundle rejections and other system alerts) */
  send(message: SlackMessage, what: string): void;
  /** send the digest now (also what the timer does) */
  flushDigest(): Promise<void>;
  stats(): NotifierStats;
  /** the newest alerts first, with their delivery state */
  deliveries(): readonly AlertDelivery[];
  close(): Promise<void>;
}

const MAX_DELIVERIES = 200;

/** an error reduced to what an operator may see: the status a webhook answered, or the error class */
function deliveryError(err: unknown): string {
  const m = err instanceof Error ? err.message : '';
  const status = / answered (\d{3})$/.exec(m);
  if (status) return `HTTP ${status[1]}`;
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code;
  return err instanceof Error ? err.name : 'error';
}

/** the most anomalous sessions first, up to `max` lines; the rest count as overflow */
function fitLines(share: DigestShare, max: number): DigestShare {
  if (share.lines.length <= max) return share;
  const sorted = [...share.lines].sort((a, b) => b.count - a.count);
  const rest = sorted.slice(max).reduce((sum, l) => sum + l.count, 0);
  return { lines: sorted.slice(0, max), overflow: share.overflow + rest, sinceMs: share.sinceMs };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

export function createNotifier(options: NotifierOptions): Notifier {
  const now = options.now ?? Date.now;
  const attempts = options.attempts ?? 4;
  const backoffMs = options.backoffMs ?? 100;
  const timeout = options.timeoutMs ?? 2_000;
  const maxPerMinute = options.maxImmediatePerMinute ?? 60;
  const maxLines = options.digestMaxLines ?? 50;
  const recent: number[] = [];
  const lines = new Map<string, DigestLine>();
  let overflow = 0;
  let since = now();
  let sent = 0;
  let failed = 0;
  let digested = 0;
  let failing = false;
  const inFlight = new Set<Promise<void>>();
  const journal: AlertDelivery[] = [];
  let nextId = 1;

  function track(what: string, text: string): (update: Partial<AlertDelivery>) => void {
    let entry: AlertDelivery = { id: nextId++, what, text: text.length > 2_000 ? `${text.slice(0, 2_000)}…` : text, createdMs: now(), state: 'sending', attempts: 0 };
    journal.unshift(entry);
    if (journal.length > MAX_DELIVERIES) journal.pop();
    return (update) => {
      const i = journal.indexOf(entry);
      entry = { ...entry, ...update };
      if (i >= 0) journal[i] = entry;
    };
  }

  async function post(message: SlackMessage, what: string): Promise<void> {
    const update = track(what, message.text);
    if (!options.webhookUrl) {
      options.log.warn({ alert: message.text }, `leash alert (${what})`);
      sent++;
      update({ state: 'logged', settledMs: now() });
      return;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        update({ attempts: attempt });
        await postJson(options.webhookUrl, message, { timeoutMs: timeout, ...(options.headers ? { headers: options.headers } : {}) });
        sent++;
        failing = false;
        update({ state: 'delivered', settledMs: now() });
        return;
      } catch (err) {
        if (attempt >= attempts) {
          update({ state: 'failed', lastError: deliveryError(err), settledMs: now() });
          failed++;
          failing = true;
          // the alert text still reaches the log: an alert is never lost silently
          options.log.error({ alert: message.text, error: (err as Error).message, attempts: attempt }, `alert webhook failed (${what})`);
          return;
        }
        update({ state: 'retrying', lastError: deliveryError(err) });
        await sleep(backoffMs * 2 ** (attempt - 1));
      }
    }
  }

  function send(message: SlackMessage, what: string): void {
    const p = post(message, what).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }

  function addToDigest(a: Anomaly): void {
    digested++;
    const key = `${a.kind}\u0000${a.session}`;
    const line = lines.get(key);
    if (line) lines.set(key, { ...line, count: line.count + 1, lastPath: a.path });
    else if (lines.size < maxLines) lines.set(key, { kind: a.kind, agentId: a.agentId, session: a.session, count: 1, lastPath: a.path });
    else overflow++;
  }

  function underBurstCap(): boolean {
    const t = now();
    while (recent.length > 0 && recent[0]! <= t - 60_000) recent.shift();
    if (recent.length >= maxPerMinute) return false;
    recent.push(t);
    return true;
  }

  /** this process's digest lines, taken out (the next period starts empty) */
  function takeLocal(): DigestShare & { readonly untilMs: number } {
    const untilMs = now();
    const share = { lines: [...lines.values()], overflow, sinceMs: since, untilMs };
    lines.clear();
    overflow = 0;
    since = untilMs;
    return share;
  }

  async function postDigest(share: DigestShare, untilMs: number): Promise<void> {
    if (share.lines.length === 0 && share.overflow === 0) return;
    await post(digestMessage(share.lines, share.sinceMs, untilMs, share.overflow), 'digest');
  }

  async function flushDigest(): Promise<void> {
    const local = takeLocal();
    const fleet = options.fleet;
    if (!fleet) return postDigest(local, local.untilMs);
    try {
      await fleet.contribute(local);
    } catch {
      // Redis unreachable: this process's own digest, rather than lines kept nowhere
      return postDigest(local, local.untilMs);
    }
    await sleep(options.digestGraceMs ?? Math.min(2_000, every / 4));
    // the period that just ended, named by its nearest boundary: clocks a little apart agree
    const period = Math.round(local.untilMs / every);
    let pending: DigestShare | null;
    try {
      pending = await fleet.takeDigest(period, every);
    } catch {
      return; // the lines stay pending in Redis for the next period's sender
    }
    if (pending) await postDigest(fitLines(pending, maxLines), now());
  }

  // With a fleet, every process's periods end on the same multiples of the clock.
  const every = options.digestEveryMs ?? 300_000;
  let timer: NodeJS.Timeout;
  function scheduleDigest(): void {
    const wait = options.fleet ? every - (now() % every) : every;
    timer = setTimeout(() => {
      scheduleDigest();
      void flushDigest();
    }, wait);
    timer.unref();
  }
  scheduleDigest();

  function immediate(a: Anomaly): void {
    const fleet = options.fleet;
    if (!fleet) {
      if (underBurstCap()) send(alertMessage(a), a.kind);
      else addToDigest(a);
      return;
    }
    // Redis unreachable: this process's own cap, so a burst still cannot flood the channel
    const p = fleet.underCap(maxPerMinute, now())
      .catch(() => underBurstCap())
      .then((under) => {
        if (under) send(alertMessage(a), a.kind);
        else addToDigest(a);
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }

  return {
    immediate,
    quarantined(a, violations, untilMs) {
      send(quarantineMessage(a, violations, untilMs), 'quarantine');
    },
    digest: addToDigest,
    send,
    flushDigest,
    stats: () => ({ sent, failed, digested, failing }),
    deliveries: () => journal.slice(),
    async close() {
      clearTimeout(timer);
      // the decisions' cap checks first: an alert over the cap joins this digest
      await Promise.all([...inFlight]);
      // a process that stops sends its own lines: the rest of the fleet may be stopping too
      const local = takeLocal();
      await postDigest(local, local.untilMs);
      await Promise.all([...inFlight]);
    },
  };
}
