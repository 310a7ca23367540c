// Alerts and quarantine: classify anomalies, send write alerts at once and read anomalies
// in a digest (Slack-compatible webhook), and block sessions after repeated scope violations.
export { classifyDecision } from './classify.ts';
export type { Anomaly, AnomalyKind } from './classify.ts';
export { alertMessage, digestMessage, quarantineMessage } from './slack.ts';
export type { DigestLine, SlackMessage } from './slack.ts';
export { createNotifier } from './notifier.ts';
export { redisAlertFleet, type AlertFleet, type DigestShare } from './fleet.ts';
export type { AlertDelivery, Notifier, NotifierOptions, NotifierStats } from './notifier.ts';
export { createMemoryQuarantine, createRedisQuarantine, DEFAULT_QUARANTINE_POLICY } from './quarantine.ts';
export type { QuarantineEntry, QuarantinePolicy, QuarantineStore, RedisQuarantineOptions, ViolationOutcome } from './quarantine.ts';
export { bundleRejectedMessage, createBundleAlerter, fleetAlertClaim, type AlertClaim } from './bundle.ts';
export type { BundleAlerter } from './bundle.ts';
export { createMemoryKillSwitch, createRedisKillSwitch } from './kill-switch.ts';
export type { KillSwitchEntry, KillSwitchKind, KillSwitchStore, RedisKillSwitchOptions } from './kill-switch.ts';
