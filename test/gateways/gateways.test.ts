// nginx (`auth_request`) and Caddy (`forward_auth`) configured exactly as docs/gateways.md
// says, in front of a real Leash server and a backend that records what reaches it: allowed
// calls arrive with the identity headers the gateway set, denials and refused spellings never
// arrive, and each of Leash's failure answers (429, 503) and Leash being down map to the
// documented client status with Retry-After.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBundleFile, makeKeys, startServer, supportClaims, type Running, type TestKeys } from '../server/helpers.ts';
import { rawRequest } from '../proxy/client.ts';
import { freePort, has, startBackend, startCaddy, startNginx, type Backend, type Gateway } from './helpers.ts';

const GATEWAYS = { nginx: startNginx, caddy: startCaddy } as const;
const missing = Object.keys(GATEWAYS).filter((g) => !has(g));
if (missing.length > 0) console.warn(`test/gateways: skipped for ${missing.join(', ')}: not installed (apt-get install -y ${missing.join(' ')}; .ci/run installs them)`);

let keys: TestKeys;
let leash: Running;
let leashNoStore: Running;
let backend: Backend;
let bundle: string;

beforeAll(async () => {
  bundle = (await buildBundleFile()).path;
  keys = await makeKeys();
  leash = await startServer(keys, { bundle: { path: bundle } });
  // a limit store that cannot be reached: writes are denied 503 store_unavailable
  leashNoStore = await startServer(keys, { bundle: { path: bundle }, limits: { redis: 'redis://127.0.0.1:1', redisTimeoutMs: 200 } });
  backend = await startBackend();
}, 120_000);

afterAll(async () => {
  await leash?.close();
  await leashNoStore?.close();
  await backend?.close();
});

const portOf = (r: Running): number => Number(new URL(r.url).port);

for (const [name, start] of Object.entries(GATEWAYS)) {
  describe.skipIf(!has(name))(`${name} as docs/gateways.md configures it`, () => {
    let live: Gateway;
    let noStore: Gateway;
    let down: Gateway;

    beforeAll(async () => {
      const dir = (tag: string) => mkdtempSync(join(tmpdir(), `leash-${name}-${tag}-`));
      live = await start(dir('live'), portOf(leash), backend.port);
      noStore = await start(dir('store'), portOf(leashNoStore), backend.port);
      down = await start(dir('down'), await freePort(), backend.port);
    }, 60_000);
    afterAll(async () => {
      await live?.stop();
      await noStore?.stop();
      await down?.stop();
    });

    const call = async (g: Gateway, method: string, path: string, token?: string, extra: Record<string, string> = {}) => {
      const before = backend.seen.length;
      // node:http sends the target as written (fetch would resolve `%2e%2e` before sending)
      const res = await rawRequest(g.url, path, { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra } });
      return { status: res.status, retryAfter: res.headers['retry-after'] ?? null, reached: backend.seen.slice(before) };
    };

    it('forwards an allowed read with the identity headers the gateway set, not the agent\'s', async () => {
      const claims = supportClaims();
      const r = await call(live, 'GET', '/customers/C-771/records/42', await keys.sign(claims), { 'x-leash-agent': 'admin-bot', 'x-leash-session': 'forged' });
      expect(r.status, live.output()).toBe(200);
      expect(r.reached).toHaveLength(1);
      expect(r.reached[0]!.url).toBe('/customers/C-771/records/42');
      expect(r.reached[0]!.headers['x-leash-agent']).toBe('support-bot');
      expect(r.reached[0]!.headers['x-leash-session']).toBe(claims['sid']);
      expect(r.reached[0]!.headers['x-leash-decision-id']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('answers 403 out of scope and 401 without a valid token, and the backend sees neither', async () => {
      expect(await call(live, 'GET', '/customers/C-332/records/7', await keys.sign(supportClaims()))).toMatchObject({ status: 403, reached: [] });
      expect(await call(live, 'GET', '/customers/C-771/records/42')).toMatchObject({ status: 401, reached: [] });
      expect(await call(live, 'GET', '/customers/C-771/records/42', 'not.a.token')).toMatchObject({ status: 401, reached: [] });
    });

    it('never lets an encoded traversal to another customer through', async () => {
      const token = await keys.sign(supportClaims());
      for (const path of ['/customers/C-771/records/..%2f..%2fC-332%2frecords%2f1', '/customers/C-771/records/%2e%2e', '/customers/C-771/records/..%5c..%5cC-332', '/customers/C-771/records/1;%2f..%2f..%2fC-332']) {
        const before = leash.observer.records.length;
        const r = await call(live, 'GET', path, token);
        expect(r.status, path).toBe(400);
        expect(r.reached, path).toEqual([]);
        // refused by Leash itself, from the raw URI the gateway passed on
        expect(leash.observer.records.slice(before).map((x) => x.answer.code), path).toEqual(['non_canonical_path']);
      }
    });

    it('keeps 429 with Retry-After when the session\'s writes are used up', async () => {
      const token = await keys.sign(supportClaims());
      for (let i = 0; i < 5; i++) expect((await call(live, 'PATCH', '/tickets/T-4891', token)).status).toBe(200);
      const sixth = await call(live, 'PATCH', '/tickets/T-4891', token);
      expect(sixth).toMatchObject({ status: 429, reached: [] });
      expect(Number(sixth.retryAfter)).toBeGreaterThan(0);
    });

    it('answers 503 with Retry-After, not 429, when Leash\'s limit store is down', async () => {
      const r = await call(noStore, 'PATCH', '/tickets/T-4891', await keys.sign(supportClaims()));
      expect(r).toMatchObject({ status: 503, retryAfter: '1', reached: [] });
    });

    it('answers 503 with Retry-After, never 200 or 429, when Leash itself is unreachable', async () => {
      const r = await call(down, 'GET', '/customers/C-771/records/42', await keys.sign(supportClaims()));
      expect(r).toMatchObject({ status: 503, retryAfter: '1', reached: [] });
    });
  });
}
