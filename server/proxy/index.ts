// The credential proxy's public surface: the Fastify plugin the server registers, the
// registry built at start from the bundle's upstream metadata, configuration overrides and
// credentials, and the helpers `leash serve` uses to parse `--upstream-url` flags.
export { proxyPlugin, type ProxyPluginOptions } from './plugin.ts';
export { proxyRoutes, evaluatorBundle, withBundleData, type ProxySettings, type ProxyWiring } from './wire.ts';
export { createUpstreamRegistry, type UpstreamRegistry, type UpstreamOverride, type RegistryReport, type ReadyUpstream } from './registry.ts';
export { loadCredentials, type CredentialSource, type CredentialSourceOptions } from './credentials.ts';
export { readUpstreamDeclarations, readDeclaration } from './metadata.ts';
export { parseUpstreamUrlFlags, mergeOverrides } from './overrides.ts';
export { Secret } from './secret.ts';
export { PROXY_ERROR_CODES, type ProxyErrorCode } from './errors.ts';
export { DEFAULT_PROXY_LIMITS, type ProxyLimits, type UpstreamDeclaration, type Injection, type CredentialRef, type StreamRoute } from './types.ts';
