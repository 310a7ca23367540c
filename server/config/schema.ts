// The configuration schema: one section per concern (server, bundle, identity, limits...),
// each a table of fields. The static `LeashConfig` type is inferred from these tables, so
// another area adds a field or a section here and gets types and validation at once.
import type { FieldSpec } from './fields.ts';

export const ALL_ALGORITHMS = [
  'EdDSA', 'ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'HS256', 'HS384', 'HS512',
] as const;

export const CONFIG_SPECS = {
  server: {
    host: { type: 'string', default: '127.0.0.1', env: 'LEASH_HOST', required: true },
    port: { type: 'int', default: 8181, env: 'LEASH_PORT', min: 0, max: 65535 },
    bodyLimitBytes: { type: 'int', default: 1_048_576, env: 'LEASH_BODY_LIMIT', min: 1024, max: 64 * 1_048_576 },
    /** a request's headers must have arrived within this long of its first byte, else 408 (docs/server.md) */
    headersTimeoutMs: { type: 'int', default: 10_000, env: 'LEASH_HEADERS_TIMEOUT_MS', min: 1_000, max: 3_600_000 },
    /** the whole request, body included, within this long of its first byte, else 408 (a streamed proxy upload too) */
    requestTimeoutMs: { type: 'int', default: 300_000, env: 'LEASH_REQUEST_TIMEOUT_MS', min: 1_000, max: 3_600_000 },
    logLevel: { type: 'enum', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info', env: 'LEASH_LOG_LEVEL' },
    dev: { type: 'bool', default: false, env: 'LEASH_DEV' },
    /** serve the admin routes (/admin/*) on their own port instead of the main one (docs/status.md) */
    adminPort: { type: 'int', env: 'LEASH_ADMIN_PORT', min: 0, max: 65535 },
    /** the address of that admin listener (default 127.0.0.1); needs server.adminPort */
    adminHost: { type: 'string', env: 'LEASH_ADMIN_HOST' },
    /** `leash serve` processes sharing the port (node:cluster); unset: every CPU with limits.redis, else 1, and 1 with --dev (docs/server.md) */
    workers: { type: 'int', env: 'LEASH_WORKERS', min: 1, max: 1024 },
  },
  bundle: {
    /** a bundle .tar.gz on disk, watched and hot-reloaded */
    path: { type: 'string', env: 'LEASH_BUNDLE' },
    /** or a URL polled with ETag */
    url: { type: 'string', env: 'LEASH_BUNDLE_URL' },
    pollSeconds: { type: 'int', default: 30, env: 'LEASH_BUNDLE_POLL_SECONDS', min: 1, max: 86_400 },
    watch: { type: 'bool', default: true, env: 'LEASH_BUNDLE_WATCH' },
    /** a decision whose evaluation takes longer than this is denied as a policy error */
    evalTimeoutMs: { type: 'int', default: 100, env: 'LEASH_EVAL_TIMEOUT_MS', min: 1, max: 10_000 },
    /** verify every bundle's OPA signature (.signatures.json) with this key file (PEM public key, or the HS* secret) */
    verificationKey: { type: 'string', env: 'LEASH_BUNDLE_VERIFICATION_KEY' },
    /** the verification key's id: the signature's kid must name it */
    verificationKeyId: { type: 'string', default: 'default', env: 'LEASH_BUNDLE_VERIFICATION_KEY_ID', required: true },
    /** the algorithm the verification key verifies */
    signingAlg: { type: 'enum', values: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'HS256', 'HS384', 'HS512'], default: 'RS256', env: 'LEASH_BUNDLE_SIGNING_ALG' },
    /** the scope the signature must carry (unset: the signature must carry none) */
    scope: { type: 'string', env: 'LEASH_BUNDLE_SCOPE' },
    /** during a key rotation, a second accepted key (same algorithm) and its id (docs/signing.md) */
    nextVerificationKey: { type: 'string', env: 'LEASH_BUNDLE_NEXT_VERIFICATION_KEY' },
    nextVerificationKeyId: { type: 'string', env: 'LEASH_BUNDLE_NEXT_VERIFICATION_KEY_ID' },
    /** remote bundles (bundle.url, docs/remote-bundles.md): the next poll comes after a delay drawn from [min, max] */
    minDelaySeconds: { type: 'int', env: 'LEASH_BUNDLE_MIN_DELAY_SECONDS', min: 1, max: 86_400 },
    maxDelaySeconds: { type: 'int', env: 'LEASH_BUNDLE_MAX_DELAY_SECONDS', min: 1, max: 86_400 },
    /** after failures, retries back off exponentially from 1 s up to this */
    maxBackoffSeconds: { type: 'int', default: 300, env: 'LEASH_BUNDLE_MAX_BACKOFF_SECONDS', min: 1, max: 86_400 },
    /** one download gives up after this long */
    timeoutSeconds: { type: 'int', default: 30, env: 'LEASH_BUNDLE_TIMEOUT_SECONDS', min: 1, max: 3_600 },
    /** bearer token for the bundle service (Authorization: Bearer); never logged */
    token: { type: 'string', env: 'LEASH_BUNDLE_TOKEN', secret: true },
    /** or a file holding it (read at start, whitespace trimmed) */
    tokenFile: { type: 'string', env: 'LEASH_BUNDLE_TOKEN_FILE' },
    /** mTLS to the bundle service: client certificate and key (PEM files), and a CA to trust */
    tlsCert: { type: 'string', env: 'LEASH_BUNDLE_TLS_CERT' },
    tlsKey: { type: 'string', env: 'LEASH_BUNDLE_TLS_KEY' },
    tlsCa: { type: 'string', env: 'LEASH_BUNDLE_TLS_CA' },
    /** where the last activated remote bundle is kept, so a restart with the service down serves it ('' turns it off) */
    persistDir: { type: 'string', default: '.leash/bundles', env: 'LEASH_BUNDLE_PERSIST_DIR' },
  },
  request: {
    /** let `//` inside a path through (docs/requests.md: some upstreams merge slashes) */
    allowEmptySegments: { type: 'bool', default: false, env: 'LEASH_ALLOW_EMPTY_SEGMENTS' },
    /** let `;` path parameters through (some upstreams strip them before routing) */
    allowPathParams: { type: 'bool', default: false, env: 'LEASH_ALLOW_PATH_PARAMS' },
    /** decide on X-HTTP-Method-Override & co. instead of refusing requests that carry one */
    honourMethodOverride: { type: 'bool', default: false, env: 'LEASH_HONOUR_METHOD_OVERRIDE' },
    /** pass repeated query parameters to the policy as lists instead of refusing them */
    allowRepeatedQuery: { type: 'bool', default: false, env: 'LEASH_ALLOW_REPEATED_QUERY' },
    /** let path segments and query names or values through that NFKC turns into other ASCII letters or digits (ａｄｍｉｎ) */
    allowCompatibilityLetters: { type: 'bool', default: false, env: 'LEASH_ALLOW_COMPATIBILITY_LETTERS' },
    maxPathBytes: { type: 'int', default: 8192, env: 'LEASH_MAX_PATH_BYTES', min: 256, max: 65_536 },
  },
  identity: {
    /** a JWKS file path or an https:// URL */
    jwks: { type: 'string', env: 'LEASH_JWKS' },
    issuer: { type: 'list', env: 'LEASH_ISSUER' },
    audience: { type: 'list', env: 'LEASH_AUDIENCE' },
    algorithms: { type: 'list', default: ['EdDSA', 'ES256', 'RS256', 'PS256'], env: 'LEASH_ALGORITHMS', allowed: ALL_ALGORITHMS },
    /** the shared secret for HS* algorithms; only used when an HS algorithm is allowed */
    hsSecret: { type: 'string', env: 'LEASH_HS_SECRET', secret: true },
    clockToleranceSeconds: { type: 'int', default: 30, env: 'LEASH_CLOCK_TOLERANCE', min: 0, max: 300 },
    maxLifetimeSeconds: { type: 'int', default: 86_400, env: 'LEASH_MAX_TOKEN_LIFETIME', min: 60, max: 30 * 86_400 },
    sessionClaim: { type: 'string', default: 'sid', env: 'LEASH_SESSION_CLAIM', required: true },
    keyClaim: { type: 'string', default: 'client_id', env: 'LEASH_KEY_CLAIM', required: true },
    taskClaim: { type: 'string', default: 'task', env: 'LEASH_TASK_CLAIM', required: true },
    maxTokenBytes: { type: 'int', default: 8192, env: 'LEASH_MAX_TOKEN_BYTES', min: 256, max: 65_536 },
    /** the header the gateway forwards the client-certificate SHA-256 thumbprint in (base64url) */
    certThumbprintHeader: { type: 'string', env: 'LEASH_CERT_THUMBPRINT_HEADER' },
    cacheSize: { type: 'int', default: 10_000, env: 'LEASH_TOKEN_CACHE_SIZE', min: 0, max: 1_000_000 },
  },
  limits: {
    /** when the limit store is unreachable: writes are always denied; reads follow this */
    readsOnStoreUnavailable: { type: 'enum', values: ['deny', 'allow'], default: 'deny', env: 'LEASH_READS_ON_STORE_UNAVAILABLE' },
    /** redis://HOST:PORT[/db], or a Redis Cluster as redis+cluster://HOST:PORT,HOST:PORT,...: share limits and quarantine between servers (default: in-process memory) */
    redis: { type: 'string', env: 'LEASH_REDIS', secret: true },
    /** prefix of every Redis key Leash writes */
    redisPrefix: { type: 'string', default: 'leash:', env: 'LEASH_REDIS_PREFIX', required: true },
    /** a limit-store call slower than this fails as store_unavailable */
    redisTimeoutMs: { type: 'int', default: 500, env: 'LEASH_REDIS_TIMEOUT_MS', min: 10, max: 10_000 },
    /** live buckets the in-memory store keeps at most (then it fails closed) */
    memoryMaxKeys: { type: 'int', default: 500_000, env: 'LEASH_LIMITS_MEMORY_MAX_KEYS', min: 100, max: 100_000_000 },
  },
  audit: {
    /** the JSONL audit file ('' turns the file sink off) */
    file: { type: 'string', default: '.leash/audit/audit.jsonl', env: 'LEASH_AUDIT_FILE' },
    fileMaxBytes: { type: 'int', default: 104_857_600, env: 'LEASH_AUDIT_FILE_MAX_BYTES', min: 4_096, max: 1_099_511_627_776 },
    fileMaxFiles: { type: 'int', default: 5, env: 'LEASH_AUDIT_FILE_MAX_FILES', min: 1, max: 1_000 },
    /** normal events are fsync'ed at most this long after they are written (high priority at once) */
    fileSyncMs: { type: 'int', default: 1_000, env: 'LEASH_AUDIT_FILE_SYNC_MS', min: 10, max: 60_000 },
    stdout: { type: 'bool', default: false, env: 'LEASH_AUDIT_STDOUT' },
    /** POST events (JSON arrays) here; normal events batched, high priority at once */
    webhook: { type: 'string', env: 'LEASH_AUDIT_WEBHOOK', secret: true },
    /** XADD events to this Redis Stream on limits.redis */
    redisStream: { type: 'string', env: 'LEASH_AUDIT_REDIS_STREAM' },
    redisStreamMaxLen: { type: 'int', default: 1_000_000, env: 'LEASH_AUDIT_REDIS_STREAM_MAXLEN', min: 100, max: 1_000_000_000 },
    /** events buffered per sink before overflow (counted and logged) */
    bufferSize: { type: 'int', default: 10_000, env: 'LEASH_AUDIT_BUFFER', min: 10, max: 10_000_000 },
  },
  alerts: {
    /** a Slack-compatible incoming webhook; without one, alerts go to the log */
    webhook: { type: 'string', env: 'LEASH_ALERT_WEBHOOK', secret: true },
    /** read anomalies are sent as one digest this often */
    digestSeconds: { type: 'int', default: 300, env: 'LEASH_ALERT_DIGEST_SECONDS', min: 1, max: 86_400 },
    /** violations (denials of the classes below) that quarantine a session... */
    quarantineAfter: { type: 'int', default: 3, env: 'LEASH_QUARANTINE_AFTER', min: 1, max: 10_000 },
    /** ...within this many seconds */
    quarantineWindowSeconds: { type: 'int', default: 600, env: 'LEASH_QUARANTINE_WINDOW_SECONDS', min: 1, max: 604_800 },
    /** the denial classes that count as violations toward quarantine (docs/dsl.md, "Decision classes") */
    quarantineClasses: { type: 'list', default: ['scope'], env: 'LEASH_QUARANTINE_CLASSES', allowed: ['scope', 'business', 'input', 'limit', 'system'] },
  },
  admin: {
    /** enables /admin/sessions; sent as Authorization: Bearer <token>; at least 16 characters */
    token: { type: 'string', env: 'LEASH_ADMIN_TOKEN', secret: true },
  },
  mcp: {
    /** the gateway's public base URL: a token for MCP server X must have the audience <resourceBase>/mcp/X (docs/mcp.md); unset: the gateway is off */
    resourceBase: { type: 'string', env: 'LEASH_MCP_RESOURCE_BASE' },
    /** name=url pairs: per-environment URLs of the MCP servers the bundle declares */
    serverUrls: { type: 'list', default: [], env: 'LEASH_MCP_SERVER_URLS' },
    /** browser origins allowed to call the gateway; a request with any other Origin header is refused (DNS rebinding) */
    allowedOrigins: { type: 'list', default: [], env: 'LEASH_MCP_ALLOWED_ORIGINS' },
    /** how long to wait for an MCP server's answer to start */
    timeoutMs: { type: 'int', default: 30_000, env: 'LEASH_MCP_TIMEOUT_MS', min: 100, max: 600_000 },
    /** seals the MCP servers' session ids to agent sessions (docs/mcp.md "Sessions"); the same on every Leash process behind one address; unset: random per process group */
    sessionSecret: { type: 'string', env: 'LEASH_MCP_SESSION_SECRET', secret: true },
  },
  authzen: {
    /** when set, AuthZEN callers (PEPs) must send Authorization: Bearer <token> to /access/v1/* (docs/authzen.md) */
    token: { type: 'string', env: 'LEASH_AUTHZEN_TOKEN', secret: true },
  },
  console: {
    /** the operator console at /console (docs/console.md); needs admin.token; on in --dev */
    enabled: { type: 'bool', default: false, env: 'LEASH_CONSOLE' },
    /** how long a console sign-in lasts */
    sessionHours: { type: 'int', default: 8, env: 'LEASH_CONSOLE_SESSION_HOURS', min: 1, max: 168 },
  },
  status: {
    /** POST the status report (docs/status.md) to <service>/status on every change and at an interval */
    service: { type: 'string', env: 'LEASH_STATUS_SERVICE', secret: true },
    /** sent as Authorization: Bearer <token> to the status service */
    token: { type: 'string', env: 'LEASH_STATUS_TOKEN', secret: true },
    /** the report is also sent this often when nothing changed */
    intervalSeconds: { type: 'int', default: 60, env: 'LEASH_STATUS_INTERVAL_SECONDS', min: 1, max: 86_400 },
  },
  decisionLogs: {
    /** the decision-log service's base URL; events are POSTed to {url}{resource}[/{partitionName}]. Unset: off (docs/decision-logs.md) */
    url: { type: 'string', env: 'LEASH_DECISION_LOGS_URL', secret: true },
    /** the path under url (OPA's decision_logs.resource) */
    resource: { type: 'string', default: '/logs', env: 'LEASH_DECISION_LOGS_RESOURCE', required: true },
    /** OPA's partition_name: appended to the resource as one more path segment */
    partitionName: { type: 'string', env: 'LEASH_DECISION_LOGS_PARTITION' },
    /** bearer token sent as Authorization: Bearer <token>; never logged */
    token: { type: 'string', env: 'LEASH_DECISION_LOGS_TOKEN', secret: true },
    /** or a file holding the bearer token (read at start, whitespace trimmed) */
    tokenFile: { type: 'string', env: 'LEASH_DECISION_LOGS_TOKEN_FILE' },
    /** OPA-style JSON pointers erased from every event: /input/request/body/card, /result/reasons */
    mask: { type: 'list', default: [], env: 'LEASH_DECISION_LOGS_MASK' },
    /** events buffered (spooled, not yet acknowledged by the service) at most; newer ones are dropped and counted */
    bufferSizeLimitEvents: { type: 'int', default: 10_000, env: 'LEASH_DECISION_LOGS_BUFFER_EVENTS', min: 1, max: 10_000_000 },
    /** bytes of event JSON buffered at most */
    bufferSizeLimitBytes: { type: 'int', default: 67_108_864, env: 'LEASH_DECISION_LOGS_BUFFER_BYTES', min: 1_024, max: 1_099_511_627_776 },
    /** largest gzip'd upload body (OPA's upload_size_limit_bytes, default 32 KiB) */
    uploadSizeLimitBytes: { type: 'int', default: 32_768, env: 'LEASH_DECISION_LOGS_UPLOAD_BYTES', min: 512, max: 67_108_864 },
    /** a partly filled batch is uploaded after a delay drawn uniformly from [minDelayMs, maxDelayMs] */
    minDelayMs: { type: 'int', default: 1_000, env: 'LEASH_DECISION_LOGS_MIN_DELAY_MS', min: 1, max: 3_600_000 },
    maxDelayMs: { type: 'int', default: 5_000, env: 'LEASH_DECISION_LOGS_MAX_DELAY_MS', min: 1, max: 3_600_000 },
    /** cap of the exponential retry backoff (from 100 ms, doubling) */
    retryMaxDelayMs: { type: 'int', default: 30_000, env: 'LEASH_DECISION_LOGS_RETRY_MAX_DELAY_MS', min: 1, max: 3_600_000 },
    /** one upload attempt gives up after this long */
    timeoutMs: { type: 'int', default: 10_000, env: 'LEASH_DECISION_LOGS_TIMEOUT_MS', min: 10, max: 600_000 },
    /** where events wait on disk until the service acknowledges them */
    spoolDir: { type: 'string', default: '.leash/decision-logs', env: 'LEASH_DECISION_LOGS_SPOOL_DIR', required: true },
    /** spooled events are fdatasync'ed at most this long after they are written; 0: before they count as buffered */
    spoolSyncMs: { type: 'int', default: 1_000, env: 'LEASH_DECISION_LOGS_SPOOL_SYNC_MS', min: 0, max: 60_000 },
    /** on shutdown, keep uploading for at most this long (what is left stays in the spool) */
    flushOnCloseMs: { type: 'int', default: 5_000, env: 'LEASH_DECISION_LOGS_FLUSH_ON_CLOSE_MS', min: 0, max: 600_000 },
  },
  proxy: {
    /** `name=url` pairs: per-environment upstream base URLs (`--upstream-url stripe=http://127.0.0.1:9999`) */
    upstreamUrls: { type: 'list', env: 'LEASH_UPSTREAM_URLS' },
    /** a JSON or YAML file of secret name → value, for `{ secret: NAME }` credential references */
    secretsFile: { type: 'string', env: 'LEASH_SECRETS_FILE' },
    /** upstreams whose calls move money or send messages (besides their metadata flag) */
    sensitiveUpstreams: { type: 'list', env: 'LEASH_SENSITIVE_UPSTREAMS' },
    /** `name METHOD /path-prefix`: routes whose body streams to the upstream uninspected */
    streamRoutes: { type: 'list', env: 'LEASH_PROXY_STREAM_ROUTES' },
    /** largest body read into memory for the policy; larger ones are 413 on policy-checked routes */
    inspectBodyBytes: { type: 'int', default: 1_048_576, env: 'LEASH_PROXY_INSPECT_BYTES', min: 1_024, max: 67_108_864 },
    /** largest body forwarded on streamed routes */
    maxBodyBytes: { type: 'int', default: 52_428_800, env: 'LEASH_PROXY_MAX_BODY_BYTES', min: 1_024, max: 4_294_967_296 },
    connectTimeoutMs: { type: 'int', default: 5_000, env: 'LEASH_PROXY_CONNECT_TIMEOUT_MS', min: 50, max: 120_000 },
    /** time from sending the request to the upstream's response headers (504 after) */
    headersTimeoutMs: { type: 'int', default: 30_000, env: 'LEASH_PROXY_HEADERS_TIMEOUT_MS', min: 50, max: 600_000 },
    /** longest pause between two chunks of the upstream's response */
    bodyTimeoutMs: { type: 'int', default: 30_000, env: 'LEASH_PROXY_BODY_TIMEOUT_MS', min: 50, max: 600_000 },
    /** longest pause between two chunks of the agent's request body */
    requestBodyTimeoutMs: { type: 'int', default: 30_000, env: 'LEASH_PROXY_REQUEST_BODY_TIMEOUT_MS', min: 50, max: 600_000 },
  },
} as const satisfies Readonly<Record<string, Readonly<Record<string, FieldSpec>>>>;

type Specs = typeof CONFIG_SPECS;

type FieldValue<F> = F extends { type: 'string' }
  ? string
  : F extends { type: 'int' }
    ? number
    : F extends { type: 'bool' }
      ? boolean
      : F extends { type: 'enum'; values: readonly (infer V)[] }
        ? V
        : F extends { type: 'list' }
          ? readonly string[]
          : never;

type HasValue<F> = F extends { default: unknown } ? true : F extends { required: true } ? true : false;

type SectionValue<S> = {
  readonly [K in keyof S as HasValue<S[K]> extends true ? K : never]: FieldValue<S[K]>;
} & {
  readonly [K in keyof S as HasValue<S[K]> extends true ? never : K]?: FieldValue<S[K]>;
};

export type LeashConfig = { readonly [K in keyof Specs]: SectionValue<Specs[K]> };

/** A partial, nested config as written in a file or assembled from flags. */
export type ConfigInput = { readonly [K in keyof Specs]?: { readonly [F in keyof Specs[K]]?: unknown } };
