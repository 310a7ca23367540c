// Malformed policies that TypeScript accepts are refused by the model checks with
// leash_dsl_invalid at the line and column of the offending setting; names must be unique per bundle.
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { formatDiagnostic } from '../../compiler/index.ts';
import { checkPolicies, extractPolicies } from '../../compiler/extract/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('model checks', () => {
  it('report each malformed setting with its location', () => {
    const file = 'test/fixtures/dsl/invalid.policy.ts';
    const got = extractPolicies([file], ROOT).diagnostics.map(formatDiagnostic);
    const expected = [
      ['14:32', 'limit max must be a whole number of at least 1'],
      ['15:38', "limit window must be 'session' or a whole number of s, m, h or d"],
      ['18:23', "route '/a//b' has an empty segment"],
      ['19:21', "route parameter ':x' appears twice in '/a/:x/:x'"],
      ['20:57', "route 'readOnly' answers no write method (GET), so its write rule can never apply"],
      ['24:7', "upstream 'plain' baseUrl must be an https:// URL"],
    ] as const;
    expect(got).toHaveLength(expected.length);
    expected.forEach(([where, text], i) => expect(got[i]).toMatch(new RegExp(`^${file}:${where}: leash_dsl_invalid: ${text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`)));
  });

  it('refuses two policies that define the same rule or upstream names', () => {
    const r = extractPolicies(['policies/support-agent.policy.ts', 'test/fixtures/dsl/duplicate.policy.ts'], ROOT);
    expect(r.diagnostics).toEqual([]);
    const got = checkPolicies(r.policies).map(formatDiagnostic);
    expect(got).toEqual([
      expect.stringMatching(/^test\/fixtures\/dsl\/duplicate\.policy\.ts:\d+:\d+: leash_dsl_invalid: route 'customer_records' is already defined in policies\/support-agent\.policy\.ts/),
      expect.stringMatching(/leash_dsl_invalid: rule 'customerRecords\.read' is already defined in policies\/support-agent\.policy\.ts; names must be unique across the bundle$/),
    ]);
  });
});

describe('limit owners', () => {
  it('refuses a resource and an upstream of one name, whose limit ids would coincide', () => {
    const file = 'test/fixtures/dsl/owner-clash.policy.ts';
    const r = extractPolicies([file], ROOT);
    expect(r.diagnostics).toEqual([]);
    const ids = r.policies[0]!.model.routes.flatMap((route) => route.limits.read.map((l) => l.id));
    expect(ids).toEqual(['ledger/agent/3600s', 'ledger/agent/3600s']);
    expect(checkPolicies(r.policies).map(formatDiagnostic)).toEqual([
      expect.stringMatching(/^test\/fixtures\/dsl\/owner-clash\.policy\.ts:16:13: leash_dsl_invalid: upstream 'ledger' has the name of resource 'ledger' in test\/fixtures\/dsl\/owner-clash\.policy\.ts; limit ids begin with these names, so their buckets would be counted together: rename one$/),
    ]);
  });

  it('accepts the example policies: no name owns limits twice', () => {
    const r = extractPolicies(['policies/support-agent.policy.ts', 'policies/billing-agent.policy.ts', 'policies/ops-agent.policy.ts'], ROOT);
    expect(r.diagnostics).toEqual([]);
    expect(checkPolicies(r.policies)).toEqual([]);
  });
});

describe('generated names', () => {
  it('never merge two DSL rules whose names snake-case alike', async () => {
    const { lowerPolicies } = await import('../../compiler/extract/index.ts');
    const { printModule } = await import('../../compiler/rego/index.ts');
    const r = extractPolicies(['test/fixtures/dsl/snake-names.policy.ts'], ROOT);
    expect(r.diagnostics).toEqual([]);
    const rego = printModule(lowerPolicies(r.policies).modules[1]!.module);
    const defs = (name: string) => rego.split('\n').filter((l) => l.startsWith(`${name}(params) if {`)).length;
    expect(defs('x_y_read_when')).toBe(2);
    expect(defs('x_y_read_when_2')).toBe(2);
    expect(rego).toContain('denials contains "x.yRead" if {\n\tx_params\n\tparams := x_params\n\tx_y_read_when(params)\n}');
    expect(rego).toContain('grants contains "xY.read" if {\n\t"xY.read" in candidates\n\tparams := x_y_params\n\tx_y_read_when_2(params)\n}');
  });
});
