// The response scrubber: the credential never survives, in any encoding it travels as, and
// splitting the stream into arbitrary chunks changes nothing (checked with fast-check).
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scrubberFor, scrubStream, scrubText } from '../../server/proxy/scrub.ts';

const SECRET = 'sk_test_51Hq/Zx+y"AbC';

async function throughStream(chunks: readonly string[], secrets: readonly string[]): Promise<string> {
  return text(Readable.from(chunks.map((c) => Buffer.from(c, 'utf8'))).pipe(scrubStream(scrubberFor(secrets))));
}

describe('scrubText', () => {
  it('masks the raw, URL-encoded, form-encoded and JSON-escaped forms, keeping the length', () => {
    const forms = [SECRET, encodeURIComponent(SECRET), 'sk_test_51Hq%2fZx%2by%22AbC', new URLSearchParams({ k: SECRET }).toString().slice(2), JSON.stringify(SECRET).slice(1, -1)];
    for (const form of forms) {
      const out = scrubText(`before ${form} after`, scrubberFor([SECRET]));
      expect(out).toBe(`before ${'*'.repeat(Buffer.byteLength(form))} after`);
    }
  });
  it('leaves text without the secret untouched', () => {
    expect(scrubText('nothing here', scrubberFor([SECRET]))).toBe('nothing here');
  });
});

describe('scrubStream', () => {
  it('masks a secret split across chunks, byte by byte', async () => {
    const body = `{"echo":"Bearer ${SECRET}","again":"${SECRET}"}`;
    const chunks = [...body];
    const out = await throughStream(chunks, [SECRET]);
    expect(out).not.toContain(SECRET);
    expect(out.length).toBe(body.length);
    expect(out).toBe(scrubText(body, scrubberFor([SECRET])));
  });

  it('masks overlapping occurrences completely', async () => {
    const out = await throughStream(['abcab', 'cabcabc'], ['abcabc']);
    expect(out).toBe('*'.repeat(12));
  });

  it('agrees with the whole-text scrub for any split (property)', async () => {
    const alphabet = fc.constantFrom('a', 'b', 'k', '_', '"', '/', '+', '%', 'é');
    await fc.assert(
      fc.asyncProperty(
        fc.array(alphabet, { minLength: 4, maxLength: 10 }).map((a) => a.join('')),
        fc.array(fc.oneof(fc.constant('<S>'), fc.array(alphabet, { maxLength: 6 }).map((a) => a.join(''))), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 20 }),
        async (secret, parts, cuts) => {
          const body = Buffer.from(parts.map((p) => (p === '<S>' ? secret : p)).join(''), 'utf8');
          const chunks: Buffer[] = [];
          for (let at = 0, i = 0; at < body.length; i++) {
            const size = cuts[i % cuts.length] ?? 1;
            chunks.push(body.subarray(at, at + size));
            at += size;
          }
          const streamed = Buffer.concat(await Readable.from(chunks).pipe(scrubStream(scrubberFor([secret]))).toArray());
          const whole = Buffer.from(scrubText(body.toString('utf8'), scrubberFor([secret])), 'utf8');
          // Bytes, not strings: a cut inside 'é' must not change anything either.
          expect(streamed.equals(whole)).toBe(true);
          expect(streamed.includes(Buffer.from(secret))).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });
});
