// The server's public surface: build the app, start it, load configuration, and the seams
// other areas plug into (contracts, identity, errors).
export { buildApp, type AppDeps } from './app.ts';
export { startServer, StartError, type StartedServer } from './server.ts';
export { loadConfig, ConfigError, CONFIG_SPECS, type LeashConfig, type ConfigInput } from './config/index.ts';
export { ERROR_CODES, DENIAL_CODES, HttpError, type ErrorCode } from './errors.ts';
export { ensureDevKeys, mintToken, parseDuration, DEV_ISSUER, DEV_AUDIENCE } from './identity/index.ts';
export type * from './contracts.ts';
