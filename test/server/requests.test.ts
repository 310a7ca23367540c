// Malformed and mistyped requests on every endpoint: each is a 400 (or 413/415/404) with a
// code, a message naming the field, nothing echoed from the input, and the server keeps
// serving afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { makeKeys, postJson, startServer, type Running } from './helpers.ts';

let srv: Running;
const SECRET_TOKEN = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJzZWNyZXQtYWdlbnQifQ.c2lnbmF0dXJlLXRoYXQtbXVzdC1uZXZlci1sZWFr';

beforeAll(async () => {
  const keys = await makeKeys();
  srv = await startServer(keys, { bundle: { path: join(keys.dir, 'absent.tar.gz') }, server: { bodyLimitBytes: 4096 } });
});
afterAll(async () => srv?.close());

const raw = (path: string, body: string, type = 'application/json', extra: Record<string, string> = {}) =>
  fetch(`${srv.url}${path}`, { method: 'POST', headers: { 'content-type': type, ...extra }, body }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

describe('malformed JSON', () => {
  for (const path of ['/decide', '/v1/data/leash/decision', '/authz']) {
    it(`${path}: 400 malformed_json without echoing the body`, async () => {
      const res = await raw(path, `{"token": "${SECRET_TOKEN}", "method": `, 'application/json', { 'x-forwarded-method': 'GET', 'x-forwarded-uri': '/x' });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ code: 'malformed_json', message: 'the body is not valid JSON' });
    });
  }
  it('/decide: an empty JSON body is a 400', async () => {
    const res = await raw('/decide', '');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('empty_body');
  });
});

describe('wrong types and missing fields name the field', () => {
  const cases: [string, unknown, string][] = [
    ['/decide', { method: 123, path: '/x' }, 'body.method'],
    ['/decide', { path: '/x' }, 'body.method'],
    ['/decide', { method: 'GET' }, 'body.path'],
    ['/decide', { method: 'GET', path: 'no-slash' }, 'body.path'],
    ['/decide', { method: 'GET', path: '/x', headers: { a: 1 } }, 'body.headers.a'],
    ['/decide', { method: 'GET', path: '/x', token: 42 }, 'body.token'],
    ['/decide', { method: 'GET', path: '/x', surprise: true }, 'body.surprise'],
    ['/decide', [1, 2], 'body'],
    ['/v1/data/leash/decision', { input: 'GET /x' }, 'body.input'],
    ['/v1/data/leash/decision', {}, 'body.input'],
    ['/v1/data/leash/decision', { input: { request: { http: { method: 7, path: '/x' } } } }, 'body.input.request.http.method'],
    ['/v1/data/leash/decision', { input: { attributes: { request: { http: { method: 'GET', path: '/x', headers: { a: {} } } } } } }, 'body.input.attributes.request.http.headers.a'],
    ['/v1/data/leash/decision', { input: { request: { http: { method: 'GET', path: '/x', querystring: 'a=1' } } } }, 'body.input.request.http.querystring'],
    ['/v1/data/leash/decision', { input: { hello: 'world' } }, 'body.input'],
  ];
  for (const [path, body, field] of cases) {
    it(`${path} ${JSON.stringify(body)} -> 400 naming ${field}`, async () => {
      const res = await postJson(`${srv.url}${path}`, body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('invalid_request');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
      expect(res.body.message).toContain(field);
    });
  }
  it('reads as a sentence: what is wrong with which field', async () => {
    const missing = await postJson(`${srv.url}/decide`, { path: '/x' });
    expect(missing.body).toEqual({ code: 'invalid_request', message: 'body.method is required', errors: [{ path: 'body.method', message: 'is required' }] });
    const typed = await postJson(`${srv.url}/decide`, { method: 'GET', path: '/x', token: 42 });
    expect(typed.body.message).toBe('body.token must be string');
  });
  it('/authz without the forwarded method and URI -> 400 naming the headers', async () => {
    const res = await fetch(`${srv.url}/authz`);
    const body = (await res.json()) as any;
    expect(res.status).toBe(400);
    expect(body.errors.map((e: { path: string }) => e.path)).toEqual(['headers.x-forwarded-method', 'headers.x-forwarded-uri']);
  });
  it('/authz with a method that is not a method -> 400', async () => {
    const res = await fetch(`${srv.url}/authz`, { headers: { 'x-forwarded-method': 'G E T', 'x-forwarded-uri': '/x' } });
    expect(res.status).toBe(400);
  });
});

describe('other rejections', () => {
  it('a body over the limit is 413', async () => {
    const res = await postJson(`${srv.url}/decide`, { method: 'POST', path: '/x', body: 'y'.repeat(8000) });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('body_too_large');
  });
  it('a non-JSON body on /decide is 415', async () => {
    const res = await raw('/decide', 'method=GET', 'text/plain');
    expect(res.status).toBe(415);
    expect(res.body.code).toBe('unsupported_media_type');
  });
  it('an unknown data path is 404 unknown_data_path; an unknown route is 404 not_found', async () => {
    const a = await postJson(`${srv.url}/v1/data/other/thing`, { input: { method: 'GET', path: '/x' } });
    expect(a.status).toBe(404);
    expect(a.body.code).toBe('unknown_data_path');
    const b = await fetch(`${srv.url}/nope?token=${SECRET_TOKEN}`);
    expect(b.status).toBe(404);
    expect(((await b.json()) as any).code).toBe('not_found');
  });
  it('keeps serving, and nothing of the secret reached the logs', async () => {
    const res = await fetch(`${srv.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect((await fetch(`${srv.url}/ready`)).status).toBe(503);
    expect(srv.logs.text).toContain('/nope?token=[redacted]');
    expect(srv.logs.text).not.toContain(SECRET_TOKEN);
    expect(srv.logs.text).not.toContain(SECRET_TOKEN.split('.')[2]);
  });
});
