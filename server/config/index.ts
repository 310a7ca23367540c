// Loads the server configuration from, in rising precedence, the schema defaults, a JSON or
// YAML file, LEASH_* environment variables and command-line flags; validates every field
// and the rules between fields, and throws one ConfigError listing each bad field by name.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { CONFIG_SPECS, type ConfigInput, type LeashConfig } from './schema.ts';
import { ConfigError, checkField, type FieldSpec, type RawValue } from './fields.ts';
import { parseRedisUrl } from '../redis/connect.ts';
import { MIN_SESSION_SECRET_CHARS } from '../mcp/session-binding.ts';

export { CONFIG_SPECS, ALL_ALGORITHMS, type LeashConfig, type ConfigInput } from './schema.ts';
export { ConfigError } from './fields.ts';

export interface LoadConfigOptions {
  /** a config file (.json, .yaml or .yml) */
  readonly file?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** values from flags, nested like the file */
  readonly flags?: ConfigInput;
}

export function loadConfig(options: LoadConfigOptions = {}): LeashConfig {
  const problems: string[] = [];
  const fileInput = options.file ? readConfigFile(options.file, problems) : {};
  const env = options.env ?? {};
  const out: Record<string, Record<string, unknown>> = {};
  const specs = CONFIG_SPECS as unknown as Record<string, Record<string, FieldSpec>>;

  for (const unknown of unknownKeys(fileInput, specs)) problems.push(`${unknown}: unknown setting (in config file ${options.file})`);
  for (const unknown of unknownKeys(options.flags ?? {}, specs)) problems.push(`${unknown}: unknown setting (from flags)`);

  for (const [section, fields] of Object.entries(specs)) {
    const values: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(fields)) {
      const raw = pickRaw(section, name, spec, fileInput, env, options);
      if (raw === undefined) continue;
      const checked = checkField(`${section}.${name}`, spec, raw);
      if (checked.ok) values[name] = checked.value;
      else problems.push(checked.problem);
    }
    out[section] = values;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const config = out as unknown as LeashConfig;
  const cross = crossCheck(config);
  if (cross.length > 0) throw new ConfigError(cross);
  return config;
}

/**
 * What a valid configuration may still be wrong about, as sentences for the operator at
 * start (`leash serve` prints them as warnings): a secret variable set to the empty string
 * (an empty setting counts as unset, which for a secret is rarely what was meant), and an
 * MCP gateway whose session seal is this process's own.
 */
export function configNotices(config: LeashConfig, env: Readonly<Record<string, string | undefined>> = {}): string[] {
  const notices: string[] = [];
  const specs = CONFIG_SPECS as unknown as Record<string, Record<string, FieldSpec>>;
  const settings = config as unknown as Record<string, Record<string, unknown>>;
  for (const [section, fields] of Object.entries(specs)) {
    for (const [name, spec] of Object.entries(fields)) {
      if (spec.type !== 'string' || !spec.secret || !spec.env || env[spec.env] !== '') continue;
      if (settings[section]?.[name] === undefined) notices.push(`${spec.env} is set but empty, so ${section}.${name} is unset`);
    }
  }
  if (config.mcp.resourceBase !== undefined && config.mcp.sessionSecret === undefined) {
    notices.push('mcp.sessionSecret is unset: MCP session ids are sealed with a secret made at start, so a restart ends every MCP session and ' +
      `other Leash processes answer them 404 unknown_mcp_session; give every replica the same LEASH_MCP_SESSION_SECRET (at least ${MIN_SESSION_SECRET_CHARS} characters)`);
  }
  return notices;
}

function pickRaw(
  section: string,
  name: string,
  spec: FieldSpec,
  file: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
  options: LoadConfigOptions,
): RawValue | undefined {
  const flag = (options.flags as Record<string, Record<string, unknown> | undefined> | undefined)?.[section]?.[name];
  if (flag !== undefined) return { value: flag, source: 'flag', origin: `--${kebab(name)}` };
  const envValue = spec.env ? env[spec.env] : undefined;
  if (envValue !== undefined && envValue !== '') return { value: envValue, source: 'env', origin: spec.env };
  const fileSection = file[section];
  const fileValue = isRecord(fileSection) ? fileSection[name] : undefined;
  if (fileValue !== undefined) return { value: fileValue, source: 'file', origin: options.file };
  if (spec.default !== undefined) return { value: spec.default, source: 'default' };
  return undefined;
}

/** Rules between fields; each problem names the field to fix. */
function crossCheck(c: LeashConfig): string[] {
  const problems: string[] = [];
  const id = c.identity;
  const hsAllowed = id.algorithms.filter((a) => a.startsWith('HS'));
  const asymmetric = id.algorithms.filter((a) => !a.startsWith('HS'));
  if (id.algorithms.length === 0) problems.push('identity.algorithms: must allow at least one algorithm');
  if (hsAllowed.length > 0 && !id.hsSecret) {
    problems.push(`identity.hsSecret: required because identity.algorithms allows ${hsAllowed.join(', ')} (set LEASH_HS_SECRET)`);
  }
  if (id.hsSecret !== undefined && id.hsSecret.length < 32) problems.push('identity.hsSecret: must be at least 32 characters');
  if (asymmetric.length > 0 && !id.jwks && !c.server.dev) {
    problems.push('identity.jwks: required (a JWKS file path or https URL; --jwks or LEASH_JWKS)');
  }
  if (!c.server.dev) {
    if (!id.issuer || id.issuer.length === 0) problems.push('identity.issuer: required (--issuer or LEASH_ISSUER)');
    if (!id.audience || id.audience.length === 0) problems.push('identity.audience: required (--audience or LEASH_AUDIENCE)');
    if (!c.bundle.path && !c.bundle.url) problems.push('bundle.path: a bundle file or bundle.url is required (--bundle or LEASH_BUNDLE)');
  }
  if (c.bundle.path && c.bundle.url) problems.push('bundle.url: set either bundle.path or bundle.url, not both');
  if (c.bundle.url && !/^https?:\/\//.test(c.bundle.url)) problems.push('bundle.url: must be an http(s) URL');
  if (c.bundle.scope !== undefined && c.bundle.verificationKey === undefined) problems.push('bundle.scope: needs bundle.verificationKey (--verification-key or LEASH_BUNDLE_VERIFICATION_KEY)');
  if (c.bundle.minDelaySeconds !== undefined && c.bundle.maxDelaySeconds !== undefined && c.bundle.minDelaySeconds > c.bundle.maxDelaySeconds) problems.push(`bundle.maxDelaySeconds: must be at least bundle.minDelaySeconds (${c.bundle.minDelaySeconds})`);
  if (c.bundle.token !== undefined && c.bundle.tokenFile !== undefined) problems.push('bundle.tokenFile: set either bundle.token or bundle.tokenFile, not both');
  if ((c.bundle.tlsCert === undefined) !== (c.bundle.tlsKey === undefined)) problems.push('bundle.tlsKey: bundle.tlsCert and bundle.tlsKey go together');
  if (c.bundle.nextVerificationKey !== undefined && c.bundle.verificationKey === undefined) problems.push('bundle.nextVerificationKey: needs bundle.verificationKey');
  if ((c.bundle.nextVerificationKey === undefined) !== (c.bundle.nextVerificationKeyId === undefined)) problems.push('bundle.nextVerificationKeyId: set together with bundle.nextVerificationKey');
  if (c.bundle.nextVerificationKeyId !== undefined && c.bundle.nextVerificationKeyId === c.bundle.verificationKeyId) problems.push('bundle.nextVerificationKeyId: must differ from bundle.verificationKeyId');
  if (c.limits.redis !== undefined) {
    // the parser's message never repeats the URL (it may carry a password)
    try {
      parseRedisUrl(c.limits.redis);
    } catch (err) {
      problems.push(`limits.redis: ${(err as Error).message} (--redis or LEASH_REDIS)`);
    }
  }
  if (/[{}]/.test(c.limits.redisPrefix)) problems.push('limits.redisPrefix: must not contain { or } (they would move the Redis Cluster hash tag)');
  if (c.audit.redisStream !== undefined && c.limits.redis === undefined) problems.push('audit.redisStream: needs limits.redis (--redis or LEASH_REDIS)');
  for (const [field, url] of [['audit.webhook', c.audit.webhook], ['alerts.webhook', c.alerts.webhook]] as const) {
    if (url !== undefined && !/^https?:\/\//.test(url)) problems.push(`${field}: must be an http(s) URL`);
  }
  const dl = c.decisionLogs;
  if (dl.url !== undefined && !/^https?:\/\/[^/]/.test(dl.url)) problems.push('decisionLogs.url: must be an http(s) URL (--decision-logs-url or LEASH_DECISION_LOGS_URL)');
  if (dl.url !== undefined && /^https?:\/\/[^/?#]*@/.test(dl.url)) problems.push('decisionLogs.url: must not carry credentials (use decisionLogs.token or decisionLogs.tokenFile)');
  if (!dl.resource.startsWith('/')) problems.push('decisionLogs.resource: must start with /');
  if (dl.token !== undefined && dl.tokenFile !== undefined) problems.push('decisionLogs.tokenFile: set either decisionLogs.token or decisionLogs.tokenFile, not both');
  if (dl.minDelayMs > dl.maxDelayMs) problems.push(`decisionLogs.maxDelayMs: must be at least decisionLogs.minDelayMs (${dl.minDelayMs})`);
  for (const pointer of dl.mask) if (!/^\/(input|result)(\/|$)/.test(pointer)) problems.push(`decisionLogs.mask: ${JSON.stringify(pointer)} must be a JSON pointer under /input or /result`);
  if (c.admin.token !== undefined && c.admin.token.length < 16) problems.push('admin.token: must be at least 16 characters (LEASH_ADMIN_TOKEN)');
  // PEPs are not locked out after wrong tokens (docs/authzen.md), so the token's length is what stops guessing
  if (c.authzen.token !== undefined && c.authzen.token.length < 16) problems.push('authzen.token: must be at least 16 characters (LEASH_AUTHZEN_TOKEN)');
  if (c.mcp.sessionSecret !== undefined && c.mcp.sessionSecret.length < MIN_SESSION_SECRET_CHARS) problems.push(`mcp.sessionSecret: must be at least ${MIN_SESSION_SECRET_CHARS} characters (LEASH_MCP_SESSION_SECRET)`);
  if (c.server.headersTimeoutMs > c.server.requestTimeoutMs) problems.push(`server.headersTimeoutMs: ${c.server.headersTimeoutMs} is over server.requestTimeoutMs (${c.server.requestTimeoutMs}); the headers are part of the request`);
  if (c.server.adminHost !== undefined && c.server.adminPort === undefined) problems.push('server.adminHost: needs server.adminPort (--admin-port or LEASH_ADMIN_PORT)');
  if (c.server.adminPort !== undefined && c.server.adminPort !== 0 && c.server.adminPort === c.server.port && (c.server.adminHost ?? '127.0.0.1') === c.server.host) problems.push('server.adminPort: must differ from server.port');
  if (c.server.adminPort !== undefined && c.admin.token === undefined) problems.push('server.adminPort: needs admin.token (LEASH_ADMIN_TOKEN): without it there are no admin routes to serve');
  if (c.server.adminHost !== undefined && c.server.adminHost.trim() === '') problems.push('server.adminHost: must not be empty');
  if (c.server.workers !== undefined && c.server.workers > 1 && c.limits.redis === undefined) {
    // memory limits and quarantine live in each process: N workers would each count on their own
    problems.push(`server.workers: ${c.server.workers} workers need limits.redis (--redis or LEASH_REDIS): the in-memory limit store and quarantine are per process, so each worker would count on its own and a session could get ${c.server.workers}× its limits; add --redis redis://HOST:PORT, or use --workers 1`);
  }
  if (c.status.service !== undefined && !/^https?:\/\/[^/]/.test(c.status.service)) problems.push('status.service: must be an http(s) URL');
  if (c.status.token !== undefined && c.status.service === undefined) problems.push('status.token: needs status.service (LEASH_STATUS_SERVICE)');
  return problems;
}

function readConfigFile(path: string, problems: string[]): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    problems.push(`config file ${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return {};
  }
  try {
    const parsed: unknown = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
    if (parsed === null || parsed === undefined) return {};
    if (!isRecord(parsed)) {
      problems.push(`config file ${path}: must hold an object with sections (server, bundle, identity, ...)`);
      return {};
    }
    return parsed;
  } catch {
    problems.push(`config file ${path}: is not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}`);
    return {};
  }
}

function unknownKeys(input: Record<string, unknown>, specs: Record<string, Record<string, FieldSpec>>): string[] {
  const out: string[] = [];
  for (const [section, value] of Object.entries(input)) {
    const fields = specs[section];
    if (!fields) {
      out.push(section);
      continue;
    }
    if (value === undefined) continue;
    if (!isRecord(value)) {
      out.push(`${section} (must be an object)`);
      continue;
    }
    for (const key of Object.keys(value)) if (!(key in fields)) out.push(`${section}.${key}`);
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
