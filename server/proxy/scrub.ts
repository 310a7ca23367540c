// Keeps the upstream credential out of everything the agent receives, even when the
// upstream echoes request headers or URLs back: each occurrence of the credential (raw,
// URL-encoded, JSON-escaped, and the Basic token built from it) is overwritten with '*'
// of the same length. Same length keeps Content-Length valid. The stream variant holds back
// only the end of a chunk that could begin a credential, so a credential split across two
// chunks is still found and other bytes are never delayed.
import { Transform } from 'node:stream';

export interface Scrubber {
  /** byte patterns to mask, longest first */
  readonly needles: readonly Buffer[];
  readonly maxLength: number;
}

/** Every way the credential can show up in text the upstream sends back. */
export function scrubberFor(values: readonly string[]): Scrubber {
  const forms = new Set<string>();
  for (const value of values) {
    if (value === '') continue;
    forms.add(value);
    forms.add(encodeURIComponent(value));
    // Some servers re-encode with lower-case hex digits.
    forms.add(encodeURIComponent(value).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
    forms.add(new URLSearchParams({ v: value }).toString().slice(2));
    forms.add(JSON.stringify(value).slice(1, -1));
  }
  const needles = [...forms].filter((f) => f !== '').map((f) => Buffer.from(f, 'utf8')).sort((a, b) => b.length - a.length);
  return { needles, maxLength: needles.reduce((max, n) => Math.max(max, n.length), 0) };
}

/** Masks every occurrence in a string (header values, error messages). */
export function scrubText(text: string, scrubber: Scrubber): string {
  if (scrubber.needles.length === 0) return text;
  const bytes = Buffer.from(text, 'utf8');
  const masked = maskMatches(bytes, scrubber, bytes.length, 0);
  return masked === bytes ? text : masked.toString('utf8');
}

/**
 * Masks matches that start before `searchEnd`; also masks the first `carry` bytes (the
 * part of a match found in the previous chunk that ran into this one). Returns the input
 * itself when nothing changed.
 */
function maskMatches(data: Buffer, scrubber: Scrubber, searchEnd: number, carry: number): Buffer {
  let out: Buffer = data;
  const copy = (): Buffer => (out === data ? (out = Buffer.from(data)) : out);
  if (carry > 0) copy().fill(0x2a, 0, Math.min(carry, data.length));
  for (const needle of scrubber.needles) {
    for (let at = data.indexOf(needle); at !== -1 && at < searchEnd; at = data.indexOf(needle, at + 1)) {
      copy().fill(0x2a /* '*' */, at, at + needle.length);
    }
  }
  return out;
}

/**
 * How many bytes at the end of `data` could be the start of a credential: the longest
 * suffix that is a proper prefix of some needle. Only those are held back, so a stream of
 * small events (server-sent events from an LLM API) is not delayed by one event.
 */
function pendingPrefix(data: Buffer, scrubber: Scrubber): number {
  for (let j = Math.min(scrubber.maxLength - 1, data.length); j > 0; j--) {
    const suffix = data.subarray(data.length - j);
    for (const needle of scrubber.needles) {
      if (needle.length > j && suffix.equals(needle.subarray(0, j))) return j;
    }
  }
  return 0;
}

/** A Transform that masks the credential in a byte stream, across chunk boundaries. */
export function scrubStream(scrubber: Scrubber): Transform {
  let tail: Buffer = Buffer.alloc(0);
  let carry = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (scrubber.needles.length === 0) {
        callback(null, chunk);
        return;
      }
      const data = tail.length === 0 ? chunk : Buffer.concat([tail, chunk]);
      // Any match that is not yet complete starts inside the held-back suffix; a match that
      // starts before it lies wholly inside `data` and is masked now.
      const emitEnd = data.length - pendingPrefix(data, scrubber);
      const masked = maskMatches(data, scrubber, emitEnd, carry);
      carry = 0;
      for (let i = emitEnd; i < masked.length; i++) if (masked[i] === 0x2a && data[i] !== 0x2a) carry = i - emitEnd + 1;
      tail = Buffer.from(data.subarray(emitEnd));
      callback(null, emitEnd > 0 ? masked.subarray(0, emitEnd) : undefined);
    },
    flush(callback) {
      const masked = maskMatches(tail, scrubber, tail.length, carry);
      callback(null, masked.length > 0 ? masked : undefined);
    },
  });
}
