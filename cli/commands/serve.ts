// `leash serve`: start the decision server. Flags override LEASH_* environment variables,
// which override the config file. `--dev` builds the example policies, creates a development
// key under .leash/, keeps limits in memory, audits to .leash/audit.jsonl and prints a curl.
import type { Command } from 'commander';
import type { ConfigInput } from '../../server/config/index.ts';

export interface ServeOptions {
  readonly bundle?: string;
  readonly port?: string;
  readonly host?: string;
  readonly adminPort?: string;
  readonly adminHost?: string;
  readonly config?: string;
  readonly jwks?: string;
  readonly issuer?: string;
  readonly audience?: string;
  readonly logLevel?: string;
  readonly dev?: boolean;
  readonly redis?: string;
  readonly upstreamUrl?: readonly string[];
  readonly secretsFile?: string;
  readonly verificationKey?: string;
  readonly bundleUrl?: string;
  readonly verificationKeyId?: string;
  readonly signingAlg?: string;
  readonly scope?: string;
  readonly decisionLogsUrl?: string;
  readonly workers?: string;
}

export function flagsFrom(opts: ServeOptions): ConfigInput {
  const server: Record<string, unknown> = {};
  const bundle: Record<string, unknown> = {};
  const identity: Record<string, unknown> = {};
  const limits: Record<string, unknown> = {};
  if (opts.port !== undefined) server['port'] = opts.port;
  if (opts.host !== undefined) server['host'] = opts.host;
  if (opts.adminPort !== undefined) server['adminPort'] = opts.adminPort;
  if (opts.adminHost !== undefined) server['adminHost'] = opts.adminHost;
  if (opts.logLevel !== undefined) server['logLevel'] = opts.logLevel;
  if (opts.workers !== undefined) server['workers'] = opts.workers;
  if (opts.dev) server['dev'] = true;
  if (opts.bundle !== undefined) bundle['path'] = opts.bundle;
  if (opts.verificationKey !== undefined) bundle['verificationKey'] = opts.verificationKey;
  if (opts.bundleUrl !== undefined) bundle['url'] = opts.bundleUrl;
  if (opts.verificationKeyId !== undefined) bundle['verificationKeyId'] = opts.verificationKeyId;
  if (opts.signingAlg !== undefined) bundle['signingAlg'] = opts.signingAlg;
  if (opts.scope !== undefined) bundle['scope'] = opts.scope;
  if (opts.jwks !== undefined) identity['jwks'] = opts.jwks;
  if (opts.issuer !== undefined) identity['issuer'] = opts.issuer;
  if (opts.audience !== undefined) identity['audience'] = opts.audience;
  if (opts.redis !== undefined) limits['redis'] = opts.redis;
  const proxy: Record<string, unknown> = {};
  if (opts.upstreamUrl !== undefined && opts.upstreamUrl.length > 0) proxy['upstreamUrls'] = opts.upstreamUrl;
  if (opts.secretsFile !== undefined) proxy['secretsFile'] = opts.secretsFile;
  const decisionLogs: Record<string, unknown> = {};
  if (opts.decisionLogsUrl !== undefined) decisionLogs['url'] = opts.decisionLogsUrl;
  return { server, bundle, identity, limits, proxy, decisionLogs };
}

/** Nested merge of flag sets: later ones win field by field. */
function mergeFlags(...sets: ConfigInput[]): ConfigInput {
  const out: Record<string, Record<string, unknown>> = {};
  for (const set of sets) {
    for (const [section, fields] of Object.entries(set)) out[section] = { ...(out[section] ?? {}), ...(fields as Record<string, unknown>) };
  }
  return out as ConfigInput;
}

export async function runServe(opts: ServeOptions): Promise<number> {
  // Loaded here, not at the top: every other `leash` command starts without the server.
  const { configNotices, loadConfig } = await import('../../server/config/index.ts');
  const { startServer } = await import('../../server/server.ts');
  const { devCurl, prepareDev } = await import('../../server/dev.ts');
  const { startCluster, workerCount } = await import('../../server/cluster/index.ts');
  try {
    const user = flagsFrom(opts);
    const dev = opts.dev ? await prepareDev(opts.bundle ? { bundle: opts.bundle } : {}) : undefined;
    const load = (flags: ConfigInput) => loadConfig({ ...(opts.config ? { file: opts.config } : {}), env: process.env, flags });
    let config = load(dev ? mergeFlags(dev.flags, user) : user);
    // --dev turns the console on; without an admin token of the user's, it signs in with the dev one
    if (dev && config.admin.token === undefined) config = load(mergeFlags(dev.flags, { admin: { token: dev.adminToken } }, user));
    for (const notice of configNotices(config, process.env)) process.stderr.write(`leash serve: warning: ${notice}\n`);
    const { workers, note } = workerCount(config);
    if (note) process.stderr.write(`leash serve: ${note}\n`);
    // one worker is the single process as it always was; more fork node:cluster workers
    const server = workers === 1 ? await startServer(config, {}, { handleSignals: true }) : await startCluster(config, workers);
    if (workers > 1) process.stderr.write(`leash serve: ${workers} workers on ${server.url}\n`);
    if (server.adminUrl) process.stderr.write(`leash serve: admin routes on ${server.adminUrl} only\n`);
    if (dev) {
      process.stderr.write(`\nLeash (dev) is listening on ${server.url}\nbundle ${dev.bundlePath}, keys ${dev.keys.jwksPath}\n`);
      if (config.console.enabled) process.stderr.write(`console: ${server.adminUrl ?? server.url}/console/ (sign in with the admin token${config.admin.token === dev.adminToken ? ` in ${dev.adminTokenPath}` : ''})\n`);
      process.stderr.write('\nTry the support-agent scenario:\n\n');
      process.stdout.write(`${await devCurl(dev.keys, server.url)}\n\n`);
    }
    return 0;
  } catch (err) {
    // ConfigError and StartError carry sentences for people; anything else is shown the same way.
    if (err instanceof Error) {
      process.stderr.write(`leash serve: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('start the decision server for API gateways')
    .option('--bundle <file>', 'policy bundle (.tar.gz) to serve; hot-reloaded when it changes')
    .option('--port <port>', 'port to listen on (default 8181)')
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option('--admin-port <port>', 'serve the admin routes (/admin/*) on this port only, not on the main one (needs LEASH_ADMIN_TOKEN)')
    .option('--admin-host <host>', 'address of the admin listener (default 127.0.0.1; needs --admin-port)')
    .option('--config <file>', 'configuration file (JSON or YAML)')
    .option('--jwks <file-or-url>', 'JWKS with the keys agent tokens are signed with')
    .option('--issuer <iss>', 'trusted token issuer(s), comma-separated')
    .option('--audience <aud>', 'accepted token audience(s), comma-separated')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
    .option('--workers <n>', 'worker processes sharing the port (default: one per CPU with --redis, else 1; 1 with --dev); more than 1 needs --redis')
    .option('--redis <url>', 'redis://HOST:PORT, or a Redis Cluster as redis+cluster://HOST:PORT,HOST:PORT,...: share limits and quarantine with other servers (default: in-process memory)')
    .option('--upstream-url <name=url>', 'credential proxy: base URL for an upstream in this environment (repeatable), e.g. stripe=http://127.0.0.1:9999', (value: string, all: string[] = []) => [...all, value])
    .option('--secrets-file <file>', 'credential proxy: JSON or YAML file of secret name → value for { secret: NAME } credentials')
    .option('--decision-logs-url <url>', 'upload decision logs in OPA\'s format to this service (POST <url>/logs, gzip\'d JSON arrays; docs/decision-logs.md)')
    .option('--bundle-url <url>', 'poll a bundle service for the bundle (ETag, backoff, persisted copy); docs/remote-bundles.md')
    .option('--verification-key <file>', 'refuse bundles whose OPA signature does not verify with this PEM public key (HS256: a file holding the secret); docs/signing.md')
    .option('--verification-key-id <id>', 'the verification key\'s id; the signature must name it (default "default")')
    .option('--signing-alg <alg>', 'the algorithm the verification key verifies (default RS256)')
    .option('--scope <scope>', 'the scope bundle signatures must carry (default: none)')
    .option('--dev', 'embedded default: build policies/, dev key in .leash/, memory limits, local audit file')
    .action(async (opts: ServeOptions) => {
      const code = await runServe(opts);
      if (code !== 0) process.exitCode = code;
    });
}
