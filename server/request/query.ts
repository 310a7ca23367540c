// The query in one form: each name decoded once (`+` is a space, as forms encode it) and
// mapped to its value; a name that occurs more than once is refused unless the deployment
// passes repeated names as lists, because upstream frameworks disagree on which occurrence
// wins and the policy must read the value the upstream reads (`name[]` is always a list).
// `;` is refused as a separator some frameworks split on, and so are names and values with
// characters NFKC turns into ASCII letters or digits (look-alike.ts).
import { asciiLookAlike, describeLookAlike } from './look-alike.ts';
import { refuse, type Refusal, type RequestOptions } from './options.ts';

export type QueryMap = Record<string, string | string[]>;
export type QueryResult = { readonly ok: true; readonly query: QueryMap } | { readonly ok: false; readonly refusal: Refusal };

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodePart(part: string): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i);
    if (c === 0x2b) bytes.push(0x20);
    else if (c !== 0x25) {
      if (c > 0x7e || c < 0x21) return undefined;
      bytes.push(c);
    } else {
      const hex = part.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    }
  }
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
}

/** Merges the raw query string and an already-parsed query object (e.g. /decide's `query`). */
export function canonicalQuery(rawQuery: string, parsed: Readonly<Record<string, string | readonly string[]>> | undefined, options: RequestOptions): QueryResult {
  // most requests have no query at all
  if (rawQuery === '' && (parsed === undefined || isEmpty(parsed))) return { ok: true, query: {} };
  const all = new Map<string, string[]>();
  const add = (k: string, v: string): void => {
    const list = all.get(k);
    if (list) list.push(v);
    else all.set(k, [v]);
  };
  if (rawQuery !== '') {
    if (rawQuery.includes(';')) return refuse('ambiguous_query', 'the query contains ;, which some upstreams split parameters on (encode it as %3B)');
    if (rawQuery.includes('#')) return refuse('ambiguous_query', 'the query contains #');
    for (const piece of rawQuery.split('&')) {
      if (piece === '') continue;
      const eq = piece.indexOf('=');
      const name = decodePart(eq < 0 ? piece : piece.slice(0, eq));
      const value = decodePart(eq < 0 ? '' : piece.slice(eq + 1));
      if (name === undefined || value === undefined) return refuse('ambiguous_query', 'the query has a malformed escape, invalid UTF-8 or an unencoded control or non-ASCII character');
      add(name, value);
    }
  }
  for (const [k, v] of Object.entries(parsed ?? {})) {
    if (typeof v === 'string') add(k, v);
    else for (const item of v) add(k, item);
  }
  const query: QueryMap = {};
  for (const [k, values] of all) {
    if (!options.allowCompatibilityLetters) {
      const inName = asciiLookAlike(k);
      if (inName !== undefined) return refuse('ambiguous_query', `query parameter name ${JSON.stringify(k.slice(0, 64))} has ${describeLookAlike(inName)}, an ASCII look-alike for an upstream that normalises`);
      // a value may be a credential (api_key=...): the reason names the parameter, not the character
      if (values.some((v) => asciiLookAlike(v) !== undefined)) return refuse('ambiguous_query', `a value of query parameter ${JSON.stringify(k.slice(0, 64))} has a character that NFKC turns into ASCII letters or digits, an ASCII look-alike for an upstream that normalises`);
    }
    if (values.length === 1) query[k] = values[0]!;
    // `name[]` says "a list" to every framework that reads it (qs, Rails, PHP, Stripe's API)
    else if (options.allowRepeatedQuery || k.endsWith('[]')) query[k] = values;
    else return refuse('ambiguous_query', `query parameter ${JSON.stringify(k.slice(0, 64))} is given ${values.length} times; upstreams disagree on which one counts`);
  }
  return { ok: true, query };
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}
