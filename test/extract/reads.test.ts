// What each resource reads of the request, recorded in data.json (data.leash.resources) and
// on the compile result, and the `leash check` warning for gateway-facing resources that read
// the body (forward-auth /authz gateways cannot send it); upstream routes are exempt.
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { compile, formatDiagnostic, readBundle } from '../../compiler/index.ts';
import { runCheck } from '../../cli/commands/check.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WARNING = (r: string) => `warning: leash_reads_body: resource ${r} reads the request body; forward-auth gateways (/authz: nginx auth_request, Caddy forward_auth, Traefik ForwardAuth) cannot send it, so there such requests are denied (body_unavailable); use /decide, Envoy ext_authz with with_request_body, or Kong's OPA plugin (docs/gateways.md)`;

describe('resource reads', () => {
  it('records per resource what its rules, its policy-wide denies and its limit costs read, in data.json and the result', async () => {
    const r = await compile(['test/fixtures/scoping'], { root: ROOT, wasm: false, warnings: true });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([`test/fixtures/scoping/refunds.policy.ts:21:14: ${WARNING('scoped-refunds/refunds')}`]);
    const bundle = await readBundle(r.bundle!);
    const resources = (bundle.data as { leash: { resources: unknown } }).leash.resources;
    expect(resources).toEqual(r.resources);
    // the limits of each resource are inspect's (test/cli/inspect.test.ts); here what it reads
    const withoutLimits = Object.fromEntries(Object.entries(resources as Record<string, { limits: unknown }>).map(([k, { limits: _, ...v }]) => [k, v]));
    expect(withoutLimits).toEqual({
      'scoped-helper/helperRefunds': { policy: 'scoped-helper', route: 'helperRefunds', upstream: null, template: '/customers/:customerId/refunds', methods: ['POST'], rules: ['helperRefunds.write'], reads: ['params'] },
      'scoped-helper/helperInvoices': { policy: 'scoped-helper', route: 'helperInvoices', upstream: null, template: '/customers/:customerId/invoices', methods: ['GET'], rules: ['helperInvoices.read'], reads: ['params'] },
      // body: its denies and limit cost; query: the policy-wide dryRun deny
      'scoped-refunds/refunds': { policy: 'scoped-refunds', route: 'refunds', upstream: null, template: '/customers/:customerId/refunds', methods: ['POST'], rules: ['refunds.write', 'refunds.tooLarge', 'refunds.wrongCurrency'], reads: ['params', 'body', 'query'] },
      // a read route: the policy's write limit, whose cost reads the body, never applies to it
      'scoped-refunds/invoices': { policy: 'scoped-refunds', route: 'invoices', upstream: null, template: '/customers/:customerId/invoices', methods: ['GET'], rules: ['invoices.read'], reads: ['params', 'query'] },
    });
  }, 30_000);

  it('leash check prints the warning for a body-reading resource and still exits 0; the proxied stripe route is exempt', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const cwd = process.cwd();
    process.chdir(ROOT);
    let code: number;
    try {
      code = await runCheck(['policies'], { wasm: false }, { out: (t) => out.push(t), err: (t) => err.push(t) });
    } finally {
      process.chdir(cwd);
    }
    expect(code).toBe(0);
    expect(err).toEqual([`policies/ops-agent.policy.ts:37:19: ${WARNING('ops-agent/metricsQuery')}`]);
    expect(out).toEqual(['ok: 5 Rego modules compiled']);
    const r = await compile(['policies'], { root: ROOT, dumpAfter: 'check' });
    // Programmatic builds stay quiet unless asked; the reads are there either way.
    expect(r.diagnostics).toEqual([]);
    expect(r.resources?.['billing-agent/stripe.refunds']?.reads).toEqual(['body']);
    expect(r.resources?.['ops-agent/metricsQuery']?.reads).toEqual(['body', 'query']);
  }, 30_000);
});

describe('deny conditions over request headers', () => {
  it('are warned about where the deny is written (a header sent twice slips past it); grants over headers are not', async () => {
    const r = await compile(['test/fixtures/header-deny'], { root: ROOT, wasm: false, warnings: true });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      'test/fixtures/header-deny/env.policy.ts:11:13: warning: leash_deny_reads_header: deny env.noProd compares request header x-env; a header sent twice reaches the policy joined ("prod, prod") while an upstream may read only one, so this deny does not fire for it; write the condition as a grant of the exact value (docs/requests.md, "The headers")',
    ]);
    // only with warnings asked for (leash check), and never an error: the bundle builds
    const quiet = await compile(['test/fixtures/header-deny'], { root: ROOT, wasm: false });
    expect(quiet.diagnostics).toEqual([]);
    expect(quiet.bundle).toBeDefined();
  }, 30_000);
});
