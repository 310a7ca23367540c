// Differential decoding (issue 13): for generated record paths sent to a real /decide with
// the example support policy, whenever the decision allows, every reading a decoding upstream
// could make (decode once, decode twice, resolve dot segments, `\` as `/`, strip `;`
// parameters, NFKC, and these combined) yields the segments the decision allowed, so the
// upstream serves the customer the token is scoped to and no other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from '../../compiler/pipeline.ts';
import { formatDiagnostics } from '../../compiler/index.ts';
import { canonicalPath, DEFAULT_REQUEST_OPTIONS } from '../../server/request/index.ts';
import { makeKeys, postJson, startServer, supportClaims, type Running, type TestKeys } from '../server/helpers.ts';

let keys: TestKeys;
let srv: Running;

beforeAll(async () => {
  const built = await compile(['policies']);
  if (!built.bundle) throw new Error(`the example policies do not build:\n${formatDiagnostics(built.diagnostics)}`);
  keys = await makeKeys();
  const bundle = join(mkdtempSync(join(tmpdir(), 'leash-differential-')), 'bundle.tar.gz');
  writeFileSync(bundle, built.bundle);
  srv = await startServer(keys, { bundle: { path: bundle } });
}, 180_000);
afterAll(async () => srv?.close());

// ---- the readings an upstream could make of a raw path (each returns segments, or null
// when that upstream would fail the request instead of serving something) ----
type Reading = (raw: string) => string[] | null;

const tryDecode = (s: string): string | null => {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
};
const splitPath = (p: string): string[] => p.replace(/^\//, '').split('/');
/** RFC 3986 section 5.2.4, on a path already split into segments */
const resolveDots = (segments: string[]): string[] => {
  const out: string[] = [];
  for (const s of segments) {
    if (s === '..') out.pop();
    else if (s !== '.') out.push(s);
  }
  return out;
};
const decodeWhole = (raw: string): string | null => tryDecode(raw);
const stripParams = (raw: string): string => raw.split('/').map((s) => s.split(';')[0]).join('/');

const READINGS: Record<string, Reading> = {
  'decode each segment once': (raw) => {
    const segs = splitPath(raw).map(tryDecode);
    return segs.some((s) => s === null) ? null : (segs as string[]);
  },
  'decode the whole path once, then split': (raw) => {
    const d = decodeWhole(raw);
    return d === null ? null : splitPath(d);
  },
  'decode twice': (raw) => {
    const once = decodeWhole(raw);
    const twice = once === null ? null : tryDecode(once);
    return twice === null ? null : splitPath(twice);
  },
  'decode, then resolve dot segments': (raw) => {
    const d = decodeWhole(raw);
    return d === null ? null : resolveDots(splitPath(d));
  },
  'backslash as slash after decoding': (raw) => {
    const d = decodeWhole(raw);
    return d === null ? null : resolveDots(splitPath(d.replaceAll('\\', '/')));
  },
  'strip ; parameters, then decode': (raw) => {
    const d = decodeWhole(stripParams(raw));
    return d === null ? null : resolveDots(splitPath(d));
  },
  'decode, then NFKC': (raw) => {
    const d = decodeWhole(raw);
    return d === null ? null : resolveDots(splitPath(d.normalize('NFKC').replaceAll('\\', '/')));
  },
  'decode twice, NFKC, backslashes, dots, ; stripped': (raw) => {
    const once = decodeWhole(stripParams(raw));
    const twice = once === null ? null : tryDecode(once);
    return twice === null ? null : resolveDots(splitPath(stripParams(twice.normalize('NFKC').replaceAll('\\', '/'))));
  },
};

// ---- generated record paths: ordinary characters mixed with every hostile fragment ----
const FRAGMENTS = [
  '1', '2', 'a', 'Z', '-', '_', '~', 'C-332', 'C-771', 'records', '.', '..', '/', '\\', ';', '%2e', '%2E', '%2f', '%2F',
  '%5c', '%25', '2e', '2f', '%3b', '%00', '%41', '%20', '%c0%ae', '%e0%80%ae', '%ef%bc%8e', '%ef%bc%8f', '%ef%bc%bc',
  '%e2%80%a4', '%c3%a9', '%ff', '%', '+', ':', '@',
];
const plain = fc.constantFrom('1', '2', '7', 'a', 'r', '-', '%41', '%c3%a9', '%20');
const fragment = fc.oneof({ weight: 3, arbitrary: plain }, { weight: 2, arbitrary: fc.constantFrom(...FRAGMENTS) });
const recordPart = fc.array(fragment, { minLength: 1, maxLength: 8 }).map((parts) => parts.join(''));
const recordPath = fc.oneof(
  recordPart.map((r) => `/customers/C-771/records/${r}`),
  fc.tuple(recordPart, recordPart).map(([c, r]) => `/customers/${c}/records/${r}`),
  fc.tuple(recordPart, recordPart).map(([a, r]) => `/customers/C-771/${a}/C-332/records/${r}`),
);

async function decide(path: string): Promise<{ status: number; allow: boolean; code?: string }> {
  // a fresh session each time: refusals count towards quarantine and reads have a session limit
  const token = await keys.sign(supportClaims());
  const res = await postJson(`${srv.url}/decide`, { token, method: 'GET', path });
  // /decide answers 200 with the status the gateway should return
  expect(res.status).toBe(200);
  return { status: res.body.status, allow: res.body.allow === true, code: res.body.code };
}

describe('differential decoding against /decide (example support policy, token for C-771)', () => {
  it('every upstream reading of an allowed path is the record the decision allowed', async () => {
    let allowed = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(recordPath, async (path) => {
        const answer = await decide(path);
        // nothing crashes: every answer is a decision or a 400 refusal
        expect([200, 400, 403]).toContain(answer.status);
        if (answer.status === 400) {
          refused++;
          expect(['non_canonical_path', 'ambiguous_query']).toContain(answer.code);
        }
        if (!answer.allow) return;
        allowed++;
        const canonical = canonicalPath(path, DEFAULT_REQUEST_OPTIONS);
        expect(canonical.ok).toBe(true);
        if (!canonical.ok) return;
        const segments = [...canonical.segments];
        // the decision allowed exactly one record of the token's customer
        expect(segments.length).toBe(4);
        expect(segments.slice(0, 3)).toEqual(['customers', 'C-771', 'records']);
        for (const [name, read] of Object.entries(READINGS)) {
          const got = read(path);
          if (got === null) continue; // that upstream would fail the request, not serve another record
          expect(got, `${name} of ${path}`).toEqual(segments);
        }
      }),
      { numRuns: 400, seed: 1306 },
    );
    // the property is not vacuous: the generator reaches both allowed and refused paths
    expect(allowed).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(20);
  }, 60_000);

  it('the issue\'s cross-tenant spellings are refused, and their upstream readings would have left C-771', async () => {
    for (const path of ['/customers/C-771/records/..%2f..%2fC-332%2frecords%2f1', '/customers/C-771/records/%252e%252e%252f..%252fC-332', '/customers/C-771/records/..%5c..%5cC-332%5crecords%5c1', '/customers/C-771/records/1;%2f..%2f..%2fC-332%2frecords%2f1', '/customers/C-771/records/1%00']) {
      const answer = await decide(path);
      expect(answer, path).toMatchObject({ status: 400, allow: false, code: 'non_canonical_path' });
    }
    // the readings are not trivially equal: for the first spelling a decoding upstream leaves C-771
    expect(READINGS['decode, then resolve dot segments']!('/customers/C-771/records/..%2f..%2fC-332%2frecords%2f1')).toEqual(['customers', 'C-332', 'records', '1']);
  });
});
