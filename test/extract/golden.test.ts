// Golden Rego for the example policies: the generated modules and data.json must match
// test/fixtures/golden byte for byte. After an intended change, regenerate with
// LEASH_UPDATE_GOLDEN=1 npx vitest run test/extract/golden.test.ts and review the diff.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { compile, formatDiagnostic } from '../../compiler/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const GOLDEN = path.join(ROOT, 'test/fixtures/golden');
const UPDATE = process.env['LEASH_UPDATE_GOLDEN'] === '1';

describe('golden Rego for policies/', () => {
  it('matches test/fixtures/golden', async () => {
    const r = await compile(['policies'], { root: ROOT, dumpAfter: 'print' });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
    const names = r.files.map((f) => f.path).sort();
    expect(names).toEqual(['data.json', 'leash/decision.rego', 'leash/policies/billing_agent.rego', 'leash/policies/mcp_billing_agent.rego', 'leash/policies/ops_agent.rego', 'leash/policies/support_agent.rego']);
    for (const f of r.files) {
      const golden = path.join(GOLDEN, f.path.replace(/\//g, '__'));
      if (UPDATE || !existsSync(golden)) {
        mkdirSync(GOLDEN, { recursive: true });
        writeFileSync(golden, f.content);
        if (!UPDATE) throw new Error(`golden file ${golden} was missing and has been written; review it and run again`);
      }
      expect(f.content, f.path).toBe(readFileSync(golden, 'utf8'));
    }
  });

  it('keeps the decision entrypoint and one rule per DSL rule with its source line', async () => {
    const support = readFileSync(path.join(GOLDEN, 'leash__policies__support_agent.rego'), 'utf8');
    expect(support).toContain('package leash.policies.support_agent');
    expect(support).toContain('# customerRecords.read: allow read (policies/support-agent.policy.ts:');
    expect(support.match(/^grants contains "/gm)).toHaveLength(3);
    const main = readFileSync(path.join(GOLDEN, 'leash__decision.rego'), 'utf8');
    expect(main).toContain('decision := {"allow": allow, "access": access, "rule": rule, "reasons": reasons, "limits": limits, "priority": priority, "class": class, "resources": resource_keys}');
    // Only the builtins agreed with the wasm compiler, no regex, no `with`, no comprehensions.
    const all = readFileSync(path.join(GOLDEN, 'leash__policies__ops_agent.rego'), 'utf8') + support + main;
    const calls = new Set([...all.matchAll(/([a-z_.]+)\(/g)].map((m) => m[1]!));
    const allowed = ['count', 'startswith', 'endswith', 'contains', 'lower', 'upper', 'concat', 'sprintf', 'split', 'object.get', 'to_number', 'is_string', 'is_number', 'array.slice', 'trim'];
    const builtins = [...calls].filter((c) => !/_(when|unless|any|value|cond|reason)(_\d+)?$|^smaller_exists$/.test(c));
    expect(builtins.filter((b) => !allowed.includes(b))).toEqual([]);
    expect(all).not.toMatch(/\bwith\b|regex\.|\[[^\]]*\|/);
  });
});
