// Loads credentials at start: environment variables (a snapshot taken once) and an optional
// secrets file (JSON or YAML mapping names to values). Values are wrapped in `Secret` at
// once; a missing credential is a reason string, never a thrown error, so the upstream can
// answer 503 with it.
import { readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { Secret } from './secret.ts';
import type { CredentialRef } from './types.ts';
import { assertNever } from './assert-never.ts';

export interface CredentialSource {
  resolve(ref: CredentialRef): { readonly secret: Secret } | { readonly missing: string };
  /** warnings found while loading (e.g. a secrets file readable by other users) */
  readonly warnings: readonly string[];
}

export interface CredentialSourceOptions {
  /** defaults to process.env; read once, here */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly secretsFile?: string;
}

/** Reads the environment and the secrets file now; later changes are not seen. */
export function loadCredentials(options: CredentialSourceOptions = {}): CredentialSource {
  const warnings: string[] = [];
  const env = new Map<string, Secret>();
  for (const [name, value] of Object.entries(options.env ?? process.env)) {
    if (typeof value === 'string' && value !== '') env.set(name, new Secret(value));
  }
  const secrets = new Map<string, Secret>();
  let fileProblem: string | undefined;
  if (options.secretsFile !== undefined) {
    const loaded = readSecretsFile(options.secretsFile);
    if ('problem' in loaded) {
      fileProblem = loaded.problem;
      warnings.push(loaded.problem);
    } else {
      for (const [name, secret] of loaded.secrets) secrets.set(name, secret);
      if (loaded.looseMode) warnings.push(`secrets file ${options.secretsFile} is readable by other users (mode ${loaded.looseMode}); chmod 600 it`);
    }
  }
  return {
    warnings,
    resolve(ref) {
      switch (ref.kind) {
        case 'env': {
          const secret = env.get(ref.name);
          return secret ? { secret } : { missing: `environment variable ${ref.name} is not set` };
        }
        case 'secret': {
          const secret = secrets.get(ref.name);
          if (secret) return { secret };
          if (options.secretsFile === undefined) return { missing: `secret "${ref.name}" is referenced but no secrets file is configured (proxy.secretsFile)` };
          if (fileProblem !== undefined) return { missing: `secret "${ref.name}" could not be loaded: ${fileProblem}` };
          return { missing: `secret "${ref.name}" is not in the secrets file ${options.secretsFile}` };
        }
        default:
          return assertNever(ref);
      }
    },
  };
}

type SecretsFileResult =
  | { readonly secrets: ReadonlyMap<string, Secret>; readonly looseMode?: string }
  | { readonly problem: string };

function readSecretsFile(path: string): SecretsFileResult {
  let text: string;
  let mode: number;
  try {
    text = readFileSync(path, 'utf8');
    mode = statSync(path).mode;
  } catch (error) {
    return { problem: `secrets file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  let parsed: unknown;
  try {
    // YAML is a superset of JSON, so one parser reads both. Parse errors carry line and
    // column but never the offending text, so no value reaches the message.
    parsed = parseYaml(text);
  } catch (error) {
    const pos = (error as { linePos?: readonly { line: number; col: number }[] }).linePos?.[0];
    return { problem: `secrets file ${path}${pos ? `:${pos.line}:${pos.col}` : ''} is not valid JSON or YAML` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { problem: `secrets file ${path} must be a mapping of secret names to string values` };
  }
  const secrets = new Map<string, Secret>();
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== 'string' || value === '') {
      return { problem: `secrets file ${path}: secret "${name}" must be a non-empty string` };
    }
    secrets.set(name, new Secret(value));
  }
  const loose = (mode & 0o077) !== 0 && process.platform !== 'win32';
  return loose ? { secrets, looseMode: (mode & 0o777).toString(8) } : { secrets };
}
