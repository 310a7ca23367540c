// The canonical request module alone: what each spelling decodes to or why it is refused.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalHost, canonicalMethod, canonicalPath, canonicalQuery, DEFAULT_REQUEST_OPTIONS as D } from '../../server/request/index.ts';
import { canonicalRequest } from '../../server/request/index.ts';
import { headerValue, isCredentialHeader, scrubHeaders } from '../../server/decide/index.ts';
import { hostilePaths } from './hostile-paths.ts';

const noHints = { headers: {}, queryMethod: undefined, bodyMethod: undefined };

describe('canonicalPath', () => {
  it.each([
    ['/customers/C-771/records/42', '/customers/C-771/records/42'],
    ['/customers/C%2d771/records/4%32', '/customers/C-771/records/42'],
    ['/files/na%C3%AFve%20name', '/files/naïve name'],
    ['/discount/100%25off', '/discount/100%off'],
    ['/a/.../b', '/a/.../b'],
    ['/a/b/', '/a/b/'],
    ['/', '/'],
  ])('reads %s as %s', (raw, path) => {
    const r = canonicalPath(raw, D);
    expect(r.ok && r.path).toBe(path);
  });

  it('reads a segment without escapes as the same segment fully percent-encoded (the unescaped fast path agrees)', () => {
    // every pchar but '%', so each generated segment skips the decoder; its encoded twin goes through it
    const PCHAR = "ABCXYZabcxyz0189-._~!$&'()*+,;=:@".split('');
    const segment = fc.array(fc.constantFrom(...PCHAR), { minLength: 0, maxLength: 6 }).map((cs) => cs.join(''));
    const encode = (seg: string) => [...seg].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`).join('');
    const options = [D, { ...D, allowPathParams: true }, { ...D, allowEmptySegments: true }];
    fc.assert(fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.constantFrom(...options), (segs, opts) => {
      const plain = canonicalPath(`/${segs.join('/')}`, opts);
      const encoded = canonicalPath(`/${segs.map(encode).join('/')}`, opts);
      // an escaped ';' is refused where a bare one is read as a parameter: compare only where ';' is absent or refused alike
      if (segs.some((s) => s.includes(';'))) {
        if (!opts.allowPathParams) expect(plain.ok).toBe(false);
        return;
      }
      expect(plain.ok).toBe(encoded.ok);
      if (plain.ok && encoded.ok) expect(plain.path).toBe(encoded.path);
    }), { numRuns: 2_000 });
  });

  it('refuses every hostile spelling, naming the class', () => {
    const paths = hostilePaths();
    expect(paths.length).toBeGreaterThanOrEqual(200);
    for (const { path, cls } of paths) {
      const r = canonicalPath(path, D);
      expect(r.ok, `${path} (${cls})`).toBe(false);
      if (!r.ok) expect(r.refusal.code).toBe('non_canonical_path');
    }
  });

  it('lets through non-ASCII text that stays itself, refuses ASCII look-alikes unless configured', () => {
    for (const [raw, path] of [['/files/caf%C3%A9', '/files/café'], ['/files/cafe%CC%81', '/files/cafe\u0301'], ['/files/%EA%B0%80', '/files/가'], ['/files/%E6%97%A5%E6%9C%AC', '/files/日本']]) {
      expect(canonicalPath(raw!, D), raw).toMatchObject({ ok: true, path });
    }
    expect(canonicalPath('/users/%EF%BD%81dmin', D)).toMatchObject({ ok: false, refusal: { reason: 'segment 2 has "ａ" (U+FF41, NFKC "a"), an ASCII look-alike for an upstream that normalises' } });
    expect(canonicalPath('/files/%EF%AC%81le', D)).toMatchObject({ ok: false, refusal: { reason: expect.stringContaining('NFKC "fi"') } });
    expect(canonicalPath('/users/%EF%BD%81dmin', { ...D, allowCompatibilityLetters: true })).toMatchObject({ ok: true, path: '/users/ａdmin' });
    const inValue = canonicalQuery('role=%EF%BD%81dmin', undefined, D);
    expect(inValue).toMatchObject({ ok: false, refusal: { code: 'ambiguous_query', reason: 'a value of query parameter "role" has a character that NFKC turns into ASCII letters or digits, an ASCII look-alike for an upstream that normalises' } });
    // a value may be a secret: its characters are not repeated in the reason
    expect(!inValue.ok && inValue.refusal.reason).not.toContain('ａ');
    expect(canonicalQuery('%E2%84%AAey=1', undefined, D)).toMatchObject({ ok: false, refusal: { code: 'ambiguous_query', reason: expect.stringContaining('query parameter name "\u212Aey" has "\u212A" (U+212A, NFKC "K")') } });
    expect(canonicalQuery('q=x', { role: '\uFF41dmin' }, D)).toMatchObject({ ok: false, refusal: { code: 'ambiguous_query' } });
    expect(canonicalQuery('name=caf%C3%A9', undefined, D)).toEqual({ ok: true, query: { name: 'café' } });
    expect(canonicalQuery('role=%EF%BD%81dmin', undefined, { ...D, allowCompatibilityLetters: true })).toEqual({ ok: true, query: { role: 'ａdmin' } });
  });

  it('says which segment and why', () => {
    const r = canonicalPath('/customers/C-771/records/..%2f..%2fC-332', D);
    expect(!r.ok && r.refusal.reason).toMatch(/^segment 4 has an encoded slash/);
    const nfkc = canonicalPath('/customers/%ef%bc%8e%ef%bc%8e', D);
    expect(!nfkc.ok && nfkc.refusal.reason).toContain('NFKC');
  });

  it('lets // and ; through only when configured', () => {
    expect(canonicalPath('/a//b', { ...D, allowEmptySegments: true })).toMatchObject({ ok: true, path: '/a//b' });
    expect(canonicalPath('/a/1;v=2', { ...D, allowPathParams: true })).toMatchObject({ ok: true, path: '/a/1;v=2' });
    // configuration never lets a dot segment or an encoded slash through
    expect(canonicalPath('/a/..;/b', { ...D, allowPathParams: true, allowEmptySegments: true }).ok).toBe(false);
    expect(canonicalPath('/a/%2e%2e;x=1/b', { ...D, allowPathParams: true }).ok).toBe(false);
    expect(canonicalPath('/a/%2e%2e/b', { ...D, allowPathParams: true, allowEmptySegments: true }).ok).toBe(false);
    expect(canonicalPath('/a/%2f/b', { ...D, allowPathParams: true, allowEmptySegments: true }).ok).toBe(false);
  });

  it('refuses paths over the configured length', () => {
    expect(canonicalPath(`/${'a'.repeat(9000)}`, D)).toMatchObject({ ok: false, refusal: { code: 'non_canonical_path' } });
  });
});

describe('canonicalMethod', () => {
  it('is case-sensitive', () => {
    expect(canonicalMethod('GET', noHints, D)).toEqual({ ok: true, method: 'GET' });
    expect(canonicalMethod('get', noHints, D)).toMatchObject({ ok: false, refusal: { code: 'non_canonical_method' } });
    expect(canonicalMethod('Get', noHints, D)).toMatchObject({ ok: false, refusal: { code: 'non_canonical_method' } });
  });
  it('refuses an override naming another method, accepts one naming the same', () => {
    for (const h of ['x-http-method-override', 'x-http-method', 'x-method-override']) {
      expect(canonicalMethod('GET', { ...noHints, headers: { [h]: 'DELETE' } }, D)).toMatchObject({ ok: false, refusal: { code: 'method_override' } });
      expect(canonicalMethod('GET', { ...noHints, headers: { [h]: 'get' } }, D)).toEqual({ ok: true, method: 'GET' });
    }
    expect(canonicalMethod('POST', { ...noHints, queryMethod: 'delete' }, D)).toMatchObject({ ok: false, refusal: { reason: expect.stringContaining('query parameter _method') } });
    expect(canonicalMethod('POST', { ...noHints, bodyMethod: 'PATCH' }, D)).toMatchObject({ ok: false, refusal: { reason: expect.stringContaining('body field _method') } });
  });
  it('changes the case of ASCII letters only: a hint that JavaScript would upper-case onto the method is another method', () => {
    // ſ (long s) and ı (dotless i) upper-case to S and I in JavaScript; an upstream comparing bytes sees another word
    for (const hint of ['PO\u017FT', 'po\u017Ft', '\u00A0POST', 'POST\u3000']) {
      expect(canonicalMethod('POST', { ...noHints, headers: { 'x-http-method-override': hint } }, D), hint).toMatchObject({ ok: false, refusal: { code: 'method_override' } });
      expect(canonicalMethod('POST', { ...noHints, headers: { 'x-http-method-override': hint } }, { ...D, honourMethodOverride: true }), hint).toMatchObject({ ok: false, refusal: { code: 'method_override' } });
    }
    expect(canonicalMethod('OPTIONS', { ...noHints, queryMethod: 'OPT\u0131ONS' }, D)).toMatchObject({ ok: false, refusal: { code: 'method_override' } });
    expect(canonicalMethod('POST', { ...noHints, headers: { 'x-http-method-override': ' post\t' } }, D)).toEqual({ ok: true, method: 'POST' });
  });
  it('decides on the override when configured, and still refuses two different ones', () => {
    const honour = { ...D, honourMethodOverride: true };
    expect(canonicalMethod('POST', { ...noHints, headers: { 'x-http-method-override': 'delete' } }, honour)).toEqual({ ok: true, method: 'DELETE' });
    expect(canonicalMethod('POST', { headers: { 'x-http-method-override': 'DELETE' }, queryMethod: 'PUT', bodyMethod: undefined }, honour).ok).toBe(false);
  });
});

describe('canonicalQuery', () => {
  it('decodes once, + as space', () => {
    expect(canonicalQuery('q=a+b%20c&x=%2e%2e', undefined, D)).toEqual({ ok: true, query: { q: 'a b c', x: '..' } });
  });
  it('refuses repeated names (also spelt differently), ; and bad escapes; name[] is a list', () => {
    expect(canonicalQuery('a=1&a=2', undefined, D)).toMatchObject({ ok: false, refusal: { code: 'ambiguous_query' } });
    expect(canonicalQuery('a=1&%61=2', undefined, D)).toMatchObject({ ok: false, refusal: { code: 'ambiguous_query' } });
    expect(canonicalQuery('a=1', { a: '2' }, D)).toMatchObject({ ok: false, refusal: { code: 'ambiguous_query' } });
    expect(canonicalQuery('a=1;b=2', undefined, D)).toMatchObject({ ok: false, refusal: { code: 'ambiguous_query' } });
    expect(canonicalQuery('a=%zz', undefined, D)).toMatchObject({ ok: false, refusal: { code: 'ambiguous_query' } });
    expect(canonicalQuery('a=%ff', undefined, D)).toMatchObject({ ok: false, refusal: { code: 'ambiguous_query' } });
    expect(canonicalQuery('expand[]=a&expand[]=b', undefined, D)).toEqual({ ok: true, query: { 'expand[]': ['a', 'b'] } });
    expect(canonicalQuery('a=1&a=2', undefined, { ...D, allowRepeatedQuery: true })).toEqual({ ok: true, query: { a: ['1', '2'] } });
  });
});

describe('canonicalHost', () => {
  it.each([
    ['API.Example.COM', undefined, 'api.example.com'],
    ['api.example.com.', undefined, 'api.example.com'],
    ['api.example.com.:443', 'https', 'api.example.com'],
    ['api.example.com:80', undefined, 'api.example.com'],
    ['api.example.com:8443', 'https', 'api.example.com:8443'],
    ['api.example.com:443', 'http', 'api.example.com:443'],
    ['[::1]:8080', undefined, '[::1]:8080'],
  ])('%s (%s) is %s', (raw, scheme, host) => {
    expect(canonicalHost(raw, scheme)).toEqual({ ok: true, host });
  });
  it('trims spaces and tabs and lowers A-Z, nothing else', () => {
    expect(canonicalHost(' API.Example.com\t', undefined)).toEqual({ ok: true, host: 'api.example.com' });
  });
  // JavaScript lowers the Kelvin sign to k and trims NBSP and U+3000: each of these would
  // read as a plain ASCII host here while the upstream, comparing bytes, routes another
  it.each(['evil.com/x', 'a b', 'a.com,b.com', 'a.com:99999', 'a.com:x', '', 'a..com',
    'api.\u212Aey.example', '\u212A.example', 'api.example.com\u00A0', '\u3000api.example.com', 'api.example.com\uFEFF', '\u0130nternal.example'])('refuses %j', (raw) => {
    expect(canonicalHost(raw, undefined)).toMatchObject({ ok: false, refusal: { code: 'invalid_host' } });
  });
  it('is null when not forwarded, and the proxy never takes one', () => {
    expect(canonicalHost(undefined, undefined)).toEqual({ ok: true, host: null });
    const r = canonicalRequest({ via: 'proxy', method: 'GET', path: '/v1/x', headers: { host: 'leash.internal' } });
    expect(r.ok && r.request.host).toBe(null);
  });
});

describe('header names', () => {
  it('are lower-cased in ASCII only: a Kelvin-sign name is not the K header, but a credential look-alike is still scrubbed', () => {
    expect(scrubHeaders({ 'X-\u212A': 'kelvin', 'X-K': 'ascii', 'X-Tenant': 'a' })).toEqual({ 'x-\u212A': 'kelvin', 'x-k': 'ascii', 'x-tenant': 'a' });
    // JavaScript's wider folding is kept for scrubbing: this name folds onto x-api-key, so it never reaches the policy
    expect(isCredentialHeader('X-Api-\u212Aey')).toBe(true);
    expect(scrubHeaders({ 'X-Api-\u212Aey': 'sk_live_1' })).toEqual({});
    expect(headerValue({ 'X-Client-Cert-\u212A': 'spoofed', 'X-Client-Cert-K': 'real' }, 'x-client-cert-k')).toBe('real');
    // the override is found under its ASCII name only
    const r = canonicalRequest({ via: 'decide', method: 'POST', path: '/x', headers: { 'X-HTTP-Method-Override': 'DELETE' } });
    expect(r).toMatchObject({ ok: false, refusal: { code: 'method_override' } });
  });
});
