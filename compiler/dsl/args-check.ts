// A tool's argument check in plain JavaScript, for the reference evaluator: true (the
// generated deny fires) when a declared argument is missing or of another JSON type, or when
// an undeclared one is present and `extra` is false. compiler/extract/args-check.ts builds
// the same condition as a predicate expression for Rego; the engines are tested to agree.
import type { ArgType } from './types.ts';

/** Rego's type_name of a JSON value (through the reference's strict views too). */
export function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}

export function argsCheckFunction(args: Readonly<Record<string, ArgType>>, extra: boolean): (ctx: unknown) => boolean {
  const entries = Object.entries(args);
  return (ctx) => {
    const body = (ctx as { body: Record<string, unknown> }).body;
    for (const [name, type] of entries) {
      // `in` and reads on a body that is not an object throw, as the Rego refs are undefined
      if (!(name in body) || jsonType(body[name]) !== type) return true;
    }
    return !extra && Object.keys(body).length !== entries.length;
  };
}
