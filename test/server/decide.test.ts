// Fail-closed paths of the decision service on a real server: a quarantined session is
// refused before the policy runs; an unreachable limit store (a real Redis client pointed at
// a closed port) denies writes always and reads unless configured to fail open; and an
// evaluation over its time bound is a policy error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { compileRego, makeKeys, postJson, startServer, supportClaims, writeRegoBundle, type Running, type TestKeys } from './helpers.ts';

const REGO = `package leash

default decision := {"allow": false, "access": "read", "rule": null, "reasons": ["no rule"], "limits": [], "priority": "normal"}

decision := {"allow": true, "access": "read", "rule": "r.read", "reasons": [], "limits": [{"id": "r.read/session", "scope": "session", "key": input.agent.session, "max": 10, "window": "session", "cost": 1}], "priority": "normal"} if {
	input.request.method == "GET"
	input.request.path != "/slow"
}

decision := {"allow": true, "access": "write", "rule": "r.write", "reasons": [], "limits": [{"id": "r.write/session", "scope": "session", "key": input.agent.session, "max": 10, "window": "session", "cost": 1}], "priority": "high"} if {
	input.request.method == "POST"
}

# Deliberately heavy: counts through a few hundred thousand numbers.
decision := {"allow": true, "access": "read", "rule": "slow", "reasons": [], "limits": [], "priority": "normal"} if {
	input.request.path == "/slow"
	count([x | some x in numbers.range(1, 400000); x % 7 == 0]) > 0
}
`;

let keys: TestKeys;
let bundle: string;
const servers: Running[] = [];

beforeAll(async () => {
  keys = await makeKeys();
  bundle = join(keys.dir, 'bundle.tar.gz');
  await writeRegoBundle(bundle, REGO, await compileRego(REGO), {});
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function serve(flags: Parameters<typeof startServer>[1]): Promise<Running> {
  const srv = await startServer(keys, { bundle: { path: bundle }, ...flags });
  servers.push(srv);
  return srv;
}

describe('quarantine', () => {
  it('refuses a quarantined session with 403 quarantined, and other sessions still pass', async () => {
    const srv = await serve({});
    const claims = supportClaims();
    srv.observer.quarantined.add(String(claims['sid']));
    const blocked = await postJson(`${srv.url}/decide`, { method: 'GET', path: '/a', token: await keys.sign(claims) });
    expect(blocked.body).toMatchObject({ allow: false, status: 403, code: 'quarantined', rule: null });
    expect(blocked.body.reasons[0]).toContain('quarantined');
    const other = await postJson(`${srv.url}/decide`, { method: 'GET', path: '/a', token: await keys.sign(supportClaims()) });
    expect(other.body).toMatchObject({ allow: true, status: 200 });
  });
});

describe('limit store unreachable', () => {
  const deadRedis = { redis: 'redis://127.0.0.1:1', redisTimeoutMs: 200 };

  it('denies reads and writes by default, with 503 store_unavailable and a reason', async () => {
    const srv = await serve({ limits: deadRedis });
    const token = await keys.sign(supportClaims());
    const read = await postJson(`${srv.url}/decide`, { method: 'GET', path: '/a', token });
    expect(read.body).toMatchObject({ allow: false, status: 503, code: 'store_unavailable' });
    expect(read.body.reasons[0]).toMatch(/limit store was unreachable/);
    const write = await postJson(`${srv.url}/decide`, { method: 'POST', path: '/a', token });
    expect(write.body).toMatchObject({ allow: false, status: 503, code: 'store_unavailable', priority: 'high' });
  });

  it('admits reads when configured to fail open, never writes', async () => {
    const srv = await serve({ limits: { ...deadRedis, readsOnStoreUnavailable: 'allow' } });
    const token = await keys.sign(supportClaims());
    const read = await postJson(`${srv.url}/decide`, { method: 'GET', path: '/a', token });
    expect(read.body).toMatchObject({ allow: true, status: 200 });
    expect(read.body.reasons[0]).toMatch(/^limits not enforced/);
    const write = await postJson(`${srv.url}/decide`, { method: 'POST', path: '/a', token });
    expect(write.body).toMatchObject({ allow: false, status: 503, code: 'store_unavailable' });
  });
});

describe('evaluation time bound', () => {
  it('denies with policy_error when evaluation takes longer than bundle.evalTimeoutMs', async () => {
    const srv = await serve({ bundle: { path: bundle, evalTimeoutMs: 1 } });
    const token = await keys.sign(supportClaims());
    const slow = await postJson(`${srv.url}/decide`, { method: 'GET', path: '/slow', token });
    expect(slow.body).toMatchObject({ allow: false, status: 403, code: 'policy_error' });
    expect(slow.body.reasons[0]).toMatch(/over the 1ms bound/);
    expect(srv.logs.lines().some((l) => l['msg'] === 'policy evaluation over its time bound; denied')).toBe(true);
  });
});
