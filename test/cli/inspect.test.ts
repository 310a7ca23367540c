// `leash inspect`: read from the bundle alone, what it holds (revision, roots, entrypoints,
// policies and resources with what they read, upstreams, files with SHA-256, signature
// presence), pretty and as JSON; an unreadable or malformed bundle is a clear error.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runInspect } from '../../cli/commands/inspect.ts';
import { readBundle } from '../../compiler/index.ts';
import { buildBundleFile } from '../server/helpers.ts';

async function run(file: string, format?: 'json') {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runInspect(file, format ? { format } : {}, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('leash inspect', () => {
  it('lists what the bundle holds, with hashes that match its bytes', async () => {
    const { path: file } = await buildBundleFile(['policies', 'test/fixtures/refunds']);
    const bundle = await readBundle(readFileSync(file));
    const json = await run(file, 'json');
    expect(json.code).toBe(0);
    const i = JSON.parse(json.out);
    expect(i).toMatchObject({ revision: bundle.manifest!.revision, roots: ['leash'], entrypoints: ['leash/decision'], signature: 'unsigned (no .signatures.json)', upstreams: ['stripe'] });
    expect(i.policies.map((p: { name: string }) => p.name)).toEqual(['billing-agent', 'mcp-billing-agent', 'ops-agent', 'refund-agent', 'support-agent']);
    const refunds = i.policies.find((p: { name: string }) => p.name === 'refund-agent').resources;
    expect(refunds).toContainEqual(expect.objectContaining({ route: 'refunds', template: '/customers/:customerId/refunds', reads: ['params', 'body'], rules: ['refunds.write', 'refunds.tooLarge', 'refunds.otherCustomer'] }));
    // the limits a granted request counts against, the route's before the policy's
    expect(refunds.find((r: { route: string }) => r.route === 'refunds').limits).toEqual({
      read: [],
      write: [
        { id: 'refunds/session', scope: 'session', max: 3, window: 'session', cost: 1 },
        { id: 'refund-agent.write/session', scope: 'session', max: 100, window: 'session', cost: 1 },
        { id: 'refund-agent.write/session/60s', scope: 'session', max: 20, window: '60s', cost: 1 },
      ],
    });
    // the wasm's hash is the hash of the wasm in the archive
    const wasm = i.files.find((f: { path: string }) => f.path === 'policy.wasm');
    expect(wasm.sha256).toBe(createHash('sha256').update(bundle.wasm!).digest('hex'));
    const pretty = await run(file);
    expect(pretty.out).toContain(`revision:     ${bundle.manifest!.revision}`);
    expect(pretty.out).toMatch(/refunds: POST \/customers\/:customerId\/refunds {2}rules refunds\.write, refunds\.tooLarge, refunds\.otherCustomer; reads params, body/);
    expect(pretty.out).toMatch(new RegExp(`${wasm.sha256} +\\d+  policy\\.wasm`));
    expect(pretty.out).toContain('      write limits: refunds/session 3 per session lifetime; refund-agent.write/session 100 per session lifetime; refund-agent.write/session/60s 20 per session in 60s');
    expect(pretty.out).toContain('      read limits: metricsQuery/task/3600s 200 (cost from the request) per task in 3600s;');
  }, 60_000);

  it('says what is wrong with a missing or malformed bundle', async () => {
    const { path: file } = await buildBundleFile();
    expect(await run(path.join(path.dirname(file), 'absent.tar.gz'))).toMatchObject({ code: 2, err: expect.stringContaining('cannot read') });
    const bad = path.join(path.dirname(file), 'bad.tar.gz');
    writeFileSync(bad, 'not a bundle');
    await expect(run(bad)).rejects.toThrow(/not a gzip archive/);
  }, 60_000);
});
