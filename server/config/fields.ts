// A tiny declarative field schema for configuration: each field names its type, default,
// environment variable and bounds, so one validator can say exactly which field is bad
// and where the bad value came from (file, environment or flag).

export type FieldSpec =
  | { readonly type: 'string'; readonly default?: string; readonly env?: string; readonly secret?: boolean; readonly required?: boolean }
  | { readonly type: 'int'; readonly default?: number; readonly env?: string; readonly min: number; readonly max: number }
  | { readonly type: 'bool'; readonly default?: boolean; readonly env?: string }
  | { readonly type: 'enum'; readonly values: readonly string[]; readonly default?: string; readonly env?: string }
  | { readonly type: 'list'; readonly default?: readonly string[]; readonly env?: string; readonly allowed?: readonly string[] };

/** section name → field name → spec */
export type SectionSpecs = Readonly<Record<string, Readonly<Record<string, FieldSpec>>>>;

export type Source = 'default' | 'file' | 'env' | 'flag';

export interface RawValue {
  readonly value: unknown;
  readonly source: Source;
  /** e.g. the env var name or the file path, for error messages */
  readonly origin?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const DECIMAL_INT = /^(?:0|-?[1-9][0-9]*)$/;

/** Coerces and checks one value; returns the typed value or a problem sentence. */
export function checkField(name: string, spec: FieldSpec, raw: RawValue): { ok: true; value: unknown } | { ok: false; problem: string } {
  const from = describeSource(raw);
  const shown = spec.type === 'string' && spec.secret ? '(secret)' : JSON.stringify(raw.value);
  const bad = (why: string) => ({ ok: false as const, problem: `${name}: ${why} (got ${shown} from ${from})` });
  const v = raw.value;
  switch (spec.type) {
    case 'string':
      if (typeof v !== 'string') return bad('must be a string');
      if (spec.required && v.trim() === '') return bad('must not be empty');
      return { ok: true, value: v };
    case 'int': {
      // One spelling per number: no spaces, no '+', no leading zeros (is "010" eight or ten?),
      // no exponent or hex, so the value a reviewer reads is the value that runs.
      if (typeof v === 'string' && !DECIMAL_INT.test(v)) return bad('must be an integer in plain decimal digits (no spaces, sign other than "-", leading zeros or exponent)');
      const n = typeof v === 'string' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n)) return bad('must be an integer');
      if (n < spec.min || n > spec.max) return bad(`must be between ${spec.min} and ${spec.max}`);
      return { ok: true, value: n };
    }
    case 'bool': {
      if (typeof v === 'boolean') return { ok: true, value: v };
      if (v === 'true' || v === '1') return { ok: true, value: true };
      if (v === 'false' || v === '0') return { ok: true, value: false };
      return bad('must be true or false');
    }
    case 'enum':
      if (typeof v !== 'string' || !spec.values.includes(v)) return bad(`must be one of ${spec.values.join(', ')}`);
      return { ok: true, value: v };
    case 'list': {
      const list = typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter((s) => s !== '') : v;
      if (!Array.isArray(list) || !list.every((s) => typeof s === 'string')) return bad('must be a list of strings');
      const unknown = spec.allowed ? list.filter((s) => !spec.allowed!.includes(s)) : [];
      if (unknown.length > 0) return bad(`has unsupported ${unknown.join(', ')}; allowed: ${spec.allowed!.join(', ')}`);
      return { ok: true, value: list };
    }
    default:
      return assertNever(spec);
  }
}

function describeSource(raw: RawValue): string {
  switch (raw.source) {
    case 'env':
      return `environment variable ${raw.origin ?? ''}`.trim();
    case 'file':
      return `config file ${raw.origin ?? ''}`.trim();
    case 'flag':
      return `flag ${raw.origin ?? ''}`.trim();
    case 'default':
      return 'the default';
    default:
      return assertNever(raw.source);
  }
}

export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}
