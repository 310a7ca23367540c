// Decision logs shipped to a remote service in OPA's decision-log format and upload
// contract (gzip'd JSON arrays, batched, retried, spooled on disk): docs/decision-logs.md.
export { createDecisionLogUploader } from './uploader.ts';
export type { DecisionLogStats, DecisionLogUploader, DropReason, UploaderOptions } from './uploader.ts';
export { toDecisionLogEvent, nanoTimestamp } from './event.ts';
export type { DecisionLogEvent } from './event.ts';
export { applyMask, parseMask } from './mask.ts';
export type { MaskRule } from './mask.ts';
export { openSpool } from './spool.ts';
export type { Spool, SpoolEntry } from './spool.ts';
export { decisionLogsFromConfig, withDecisionLogs } from './setup.ts';
