// Route template mistakes are errors at the template's file:line:col with a fix-it, through
// the compile API and `leash check`: '{name}' (OpenAPI style), '{name}' inside a segment,
// wildcards, ':' alone, ':9bad', a parameter twice, empty segments; and a `params.x` the
// template does not declare is reported at the template as well as at the use.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compile, formatDiagnostic } from '../../compiler/index.ts';
import { runCheck } from '../../cli/commands/check.ts';

const BAD: [template: string, message: string][] = [
  ['/customers/{customerId}/refunds', "route segment '{customerId}' in '/customers/{customerId}/refunds' is not a parameter: parameters are written ':name' (write :customerId)"],
  ['/files/{fileId}.json', "route segment '{fileId}.json' in '/files/{fileId}.json': a parameter is a whole segment written ':name' (write :fileId as its own segment)"],
  ['/files/*', "route segment '*' in '/files/*': wildcards are not supported; name the segment (write :name) and match it in a predicate"],
  ['/files/:', "route segment ':' in '/files/:' has no parameter name (write :name)"],
  ['/files/:9bad', "route parameter ':9bad' in '/files/:9bad' must be an identifier (a letter or _ first, then letters, digits or _)"],
  ['/a/:id/b/:id', "route parameter ':id' appears twice in '/a/:id/b/:id'"],
  ['/a//b', "route '/a//b' has an empty segment (remove the doubled or trailing '/')"],
];

const policy = (resources: string): string => `import { definePolicy, resource } from 'leash';
interface C { readonly role: 'x'; readonly task: { readonly customerId: string } }
export default definePolicy<C>({
  name: 'templates',
  appliesTo: { role: 'x' },
  resources: {
${resources}
  },
});
`;

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'leash-templates-'));
  // One resource per line from line 7, the template at column 18 of its line.
  writeFileSync(path.join(dir, 'bad.policy.ts'), policy(BAD.map(([t], i) => `    r${i}: resource('${t}', { methods: ['GET'], read: {} }),`).join('\n')));
  writeFileSync(path.join(dir, 'param.policy.ts'), policy(`    refunds: resource('/customers/{customerId}/refunds', {
      methods: ['POST'],
      write: { when: ({ params, task }) => params.customerId === task.customerId },
    }),
    invoices: resource('/customers/:id/invoices', {
      methods: ['GET'],
      read: { when: ({ params, task }) => params.customerId === task.customerId },
    }),`));
});

describe('route template diagnostics', () => {
  it('reports each bad template at its file:line:col with a fix-it (compile API)', async () => {
    const r = await compile([path.join(dir, 'bad.policy.ts')], { root: dir, wasm: false });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual(BAD.map(([, m], i) => `bad.policy.ts:${7 + i}:18: leash_dsl_invalid: ${m}`));
  }, 30_000);

  it('reports a param the template lacks at the use and at the template (leash check, exit 1)', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const cwd = process.cwd();
    process.chdir(dir);
    let code: number;
    try {
      code = await runCheck(['param.policy.ts'], { wasm: false }, { out: (t) => out.push(t), err: (t) => err.push(t) });
    } finally {
      process.chdir(cwd);
    }
    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err).toEqual([
      "param.policy.ts:9:51: leash_ts_error: TS2339: Property 'customerId' does not exist on type '{}'.",
      "param.policy.ts:13:50: leash_ts_error: TS2339: Property 'customerId' does not exist on type '{ readonly id: string; }'.",
      "param.policy.ts:7:23: leash_dsl_invalid: route segment '{customerId}' in '/customers/{customerId}/refunds' is not a parameter: parameters are written ':name' (write :customerId)",
      "param.policy.ts:11:24: leash_dsl_invalid: route '/customers/:id/invoices' has no parameter 'customerId' (read at param.policy.ts:13:50); declare it in the template as :customerId",
      'leash check: 4 errors',
    ]);
  }, 30_000);
});
