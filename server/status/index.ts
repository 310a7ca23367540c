// Status and health: the status recorder (bundle activations, plugin states), OPA-style
// health checks for GET /health, the status report for GET /admin/status, and the optional
// upload of that report to a status service (docs/status.md).
export { createStatusRecorder, DEFAULT_BUNDLE_NAME } from './recorder.ts';
export type { StatusRecorder, StatusReport, BundleStatus, BundleFailure, PluginStatus, PluginState, PluginProbe, FailedActivation } from './recorder.ts';
export { parseHealthQuery, checkHealth, type HealthQuery, type HealthAnswer } from './health.ts';
export { startStatusUploader, type StatusUploader, type UploaderOptions, type UploaderStats } from './upload.ts';
export { registerObserverProbes, limitsStatusCallback, sinkLabel, type ProbeSources } from './plugins.ts';
