// Loads the server configuration from, in rising precedence, the schema defaults, a JSON or
// YAML file, LEASH_* environment variables and command-line flags; validates every field
// and the rules between fields, and throws one ConfigError listing each bad field by name.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { CONFIG_SPECS, type ConfigInput, type LeashConfig } from './schema.ts';
import { ConfigError, checkField, type FieldSpec, type RawValue } from './fields.ts';

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
  if (c.limits.redis !== undefined && !/^rediss?:\/\/[^/]/.test(c.limits.redis)) problems.push('limits.redis: must be a redis://HOST:PORT URL (--redis or LEASH_REDIS)');
  if (/[{}]/.test(c.limits.redisPrefix)) problems.push('limits.redisPrefix: must not contain { or } (they would move the Redis Cluster hash tag)');
  if (c.audit.redisStream !== undefined && c.limits.redis === undefined) problems.push('audit.redisStream: needs limits.redis (--redis or LEASH_REDIS)');
  for (const [field, url] of [['audit.webhook', c.audit.webhook], ['alerts.webhook', c.alerts.webhook]] as const) {
    if (url !== undefined && !/^https?:\/\//.test(url)) problems.push(`${field}: must be an http(s) URL`);
  }
  if (c.admin.token !== undefined && c.admin.token.length < 16) problems.push('admin.token: must be at least 16 characters (LEASH_ADMIN_TOKEN)');
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
