// The path, read once: split on `/`, each segment percent-decoded exactly once, and refused
// (never repaired) when an upstream could read it as a different resource than the decision
// did: dot segments, encoded separators, backslashes, control characters, path parameters,
// double encoding, bad UTF-8, empty segments and compatibility characters that NFKC turns
// into separators or ASCII letters and digits. The canonical path joins the decoded
// segments with `/`, so route params are the values an upstream's router hands its handler.
import { asciiLookAlike, describeLookAlike } from './look-alike.ts';
import { refuse, type Refusal, type RequestOptions } from './options.ts';

export type PathResult =
  | { readonly ok: true; readonly path: string; readonly segments: readonly string[] }
  | { readonly ok: false; readonly refusal: Refusal };

// RFC 3986 pchar plus '/' and '%' (escapes are checked one by one below).
const RAW_PATH_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;
const HEX2 = /^[0-9A-Fa-f]{2}$/;
// What a decoded segment must not contain: separators and every control character (C0, DEL, C1).
const FORBIDDEN_DECODED = /[/\\\u0000-\u001f\u007f-\u009f]/;
// Characters NFKC must not create: they change how a path splits or resolves.
const STRUCTURAL = /[./\\;%?#\u0000-\u001f\u007f-\u009f]/g;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const bad = (reason: string): { readonly ok: false; readonly refusal: Refusal } => refuse('non_canonical_path', reason);

export function canonicalPath(raw: string, options: RequestOptions): PathResult {
  if (raw.length > options.maxPathBytes) return bad(`the path is longer than ${options.maxPathBytes} bytes`);
  if (!raw.startsWith('/')) return bad('the path must start with / (absolute-form and relative targets are refused)');
  if (raw.includes('\\')) return bad('the path contains a backslash, which some upstreams read as /');
  if (!RAW_PATH_CHARS.test(raw)) return bad('the path has characters that must be percent-encoded (space, quote, #, control or non-ASCII characters)');
  const rawSegments = raw.slice(1).split('/');
  const segments: string[] = [];
  for (let i = 0; i < rawSegments.length; i++) {
    const seg = rawSegments[i]!;
    if (seg === '') {
      // A trailing slash is one empty last segment (routes never match it: params are non-empty).
      if (i === rawSegments.length - 1 || options.allowEmptySegments) { segments.push(''); continue; }
      return bad(`segment ${i + 1} is empty (//): some upstreams merge slashes, others read a host or a different route`);
    }
    const decoded = decodeSegment(seg, i + 1, options);
    if (typeof decoded !== 'string') return decoded;
    segments.push(decoded);
  }
  return { ok: true, path: `/${segments.join('/')}`, segments };
}

function decodeSegment(seg: string, index: number, options: RequestOptions): string | { readonly ok: false; readonly refusal: Refusal } {
  const at = `segment ${index}`;
  if (!options.allowPathParams && seg.includes(';')) return bad(`${at} has a ; path parameter, which some upstreams strip before routing`);
  // Without an escape the segment is printable ASCII (RAW_PATH_CHARS), which decodes to
  // itself, holds no escape, separator or control character and is its own NFKC form: only
  // the dot-segment check below can refuse it. Most paths take this way.
  if (!seg.includes('%')) {
    const bare = options.allowPathParams ? seg.split(';')[0] : seg;
    if (bare === '.' || bare === '..') return bad(`${at} is a dot segment (${seg}), which an upstream resolves to another path`);
    return seg;
  }
  const bytes: number[] = [];
  for (let j = 0; j < seg.length; j++) {
    const ch = seg.charCodeAt(j);
    if (ch !== 0x25) { bytes.push(ch); continue; }
    const hex = seg.slice(j + 1, j + 3);
    if (!HEX2.test(hex)) return bad(`${at} has a % not followed by two hex digits`);
    const byte = parseInt(hex, 16);
    if (byte === 0x2f || byte === 0x5c) return bad(`${at} has an encoded ${byte === 0x2f ? 'slash (%2F)' : 'backslash (%5C)'}, which a decoding upstream reads as a separator`);
    if (byte === 0x3b && !options.allowPathParams) return bad(`${at} has an encoded ; (%3B), which some upstreams strip as a path parameter after decoding`);
    bytes.push(byte);
    j += 2;
  }
  let decoded: string;
  try {
    decoded = utf8.decode(Uint8Array.from(bytes));
  } catch {
    return bad(`${at} is not valid UTF-8 once decoded (overlong and truncated sequences are refused)`);
  }
  // An escape left after one decoding (%252e, %25%32%65) is read as another character by an
  // upstream that decodes twice.
  if (/%[0-9A-Fa-f]{2}/.test(decoded)) return bad(`${at} is double-encoded: it still holds a %-escape once decoded`);
  if (FORBIDDEN_DECODED.test(decoded)) return bad(`${at} decodes to a control character or a separator`);
  // With ; parameters allowed, `..;x` is still `..` to an upstream that strips them (Tomcat).
  const bare = options.allowPathParams ? decoded.split(';')[0] : decoded;
  if (bare === '.' || bare === '..') return bad(`${at} is a dot segment (${seg}), which an upstream resolves to another path`);
  const nfkc = decoded.normalize('NFKC');
  if (nfkc !== decoded && count(nfkc, STRUCTURAL) !== count(decoded, STRUCTURAL)) {
    return bad(`${at} has compatibility characters that NFKC turns into . / \\ ; % or control characters`);
  }
  // ａｄｍｉｎ or \u212Aey are `admin` and `Key` to an upstream that normalises them, while a
  // deny comparing `admin` never fires
  const lookAlike = nfkc === decoded || options.allowCompatibilityLetters ? undefined : asciiLookAlike(decoded);
  if (lookAlike !== undefined) return bad(`${at} has ${describeLookAlike(lookAlike)}, an ASCII look-alike for an upstream that normalises`);
  return decoded;
}

const count = (s: string, re: RegExp): number => s.match(re)?.length ?? 0;
