// Hostile spellings of a support agent's record path, by class: each is a way an upstream
// could read a path as another customer's resource than a raw-segment matcher does. Built
// programmatically (payload × position × letter case) so the suite covers mixed and nested
// forms, not a hand-picked few.

export interface HostilePath {
  readonly path: string;
  readonly cls: string;
}

/** Payloads that take the place of one segment (or a run of segments). */
const PAYLOADS: Record<string, readonly string[]> = {
  'dot segment': ['..', '.', '%2e%2e', '%2e', '.%2e', '%2e.', '..%00', '%2e%2e%2f..', '...%2f..'],
  'encoded slash': ['..%2f..%2fC-332%2frecords%2f1', '1%2f..%2f..%2fC-332', '%2f', 'C-771%2f..%2fC-332', '1%2F2'],
  backslash: ['..\\..\\C-332\\records\\1', '1\\..', '..%5c..%5cC-332%5crecords%5c1', '%5c', '1%5C..%5C'],
  'double encoding': ['%252e%252e%252f', '%252e%252e', '%252f', '%25%32%65%25%32%65', '%255c', '1%2500', '%25252e'],
  'control character': ['1%00', '%00', '1%0a', '%0d%0aX-Injected:%201', '1%09', '%7f', '1%c2%85', '%1b'],
  'path parameter': ['1;%2f..%2f..%2fC-332%2frecords%2f1', '1;jsessionid=x', '..;', '1;', ';x', '1%3b..', '%3b'],
  'invalid utf-8': ['%ff', '%c3', '%c3%28', '%ed%a0%80', '%f8%88%80%80%80', '%c0%ae%c0%ae', '%e0%80%ae', '%c0%af', '%80'],
  nfkc: ['%ef%bc%8e%ef%bc%8e', '%ef%bc%8e', '%ef%bc%8f', '1%ef%bc%8f..', '%ef%bc%bc', '%e2%80%a4%e2%80%a4', '%e2%80%a5', '%ef%b9%92%ef%b9%92', '%ef%b8%b0'],
  'malformed escape': ['%', '1%', '%g1', '%2', '%%32%65', '%2x%2e'],
  // C-332 spelt with characters NFKC (or a Windows best-fit mapping) turns into ASCII
  'ascii look-alike': ['%ef%bc%a3-332', 'C-%ef%bc%93%ef%bc%93%ef%bc%92', 'C-%e2%91%a2%e2%91%a2%e2%91%a1', '%f0%9d%90%82-332', 'C-%c2%b3%c2%b3%c2%b2', '%e2%84%aa'],
};

/** Where a payload goes in /customers/C-771/records/1. */
const POSITIONS: readonly ((p: string) => string)[] = [
  (p) => `/customers/C-771/records/${p}`,
  (p) => `/customers/C-771/records/${p}/C-332/records/1`,
  (p) => `/customers/${p}/records/1`,
  (p) => `/customers/C-771/${p}/C-332/records/1`,
];

const upperEscapes = (p: string): string => p.replace(/%[0-9a-f]{2}/g, (m) => m.toUpperCase());

export function hostilePaths(): HostilePath[] {
  const out = new Map<string, string>();
  for (const [cls, payloads] of Object.entries(PAYLOADS)) {
    for (const payload of payloads) {
      for (const at of POSITIONS) {
        out.set(at(payload), cls);
        const upper = upperEscapes(payload);
        if (upper !== payload) out.set(at(upper), cls);
      }
    }
  }
  // empty segments
  for (const p of ['/customers//C-771/records/1', '/customers/C-771//records/1', '//customers/C-771/records/1', '/customers/C-771/records//1', '/customers/C-771/records/1//'])
    out.set(p, 'empty segment');
  // not a path at all
  for (const p of ['customers/C-771/records/1', '*']) out.set(p, 'not a path');
  return [...out].map(([path, cls]) => ({ path, cls }));
}

/** Characters node:http refuses to send raw in a request target (they still go through /decide's JSON). */
export const sendableRaw = (path: string): boolean => /^[\x21-\x7e]+$/.test(path) && !path.includes('#');
