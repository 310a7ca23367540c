// The proxy's optional upstream flags written in the DSL reach the bundle's data.json, where
// the proxy reads them (server/proxy/metadata.ts); a malformed stream route is refused at
// its line and column instead of reaching a bundle the proxy would reject.
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { compile, formatDiagnostic } from '../../compiler/index.ts';
import { readBundle } from '../../compiler/bundle/index.ts';
import { readUpstreamDeclarations } from '../../server/proxy/metadata.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('upstream flags in the DSL', () => {
  it('writes sensitive and streamRoutes into data.json, only when set, and the proxy reads them', async () => {
    const r = await compile(['test/fixtures/dsl/upstream-flags.policy.ts'], { root: ROOT });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
    const data = (await readBundle(r.bundle!)).data as { leash: { upstreams: Record<string, Record<string, unknown>> } };
    const { payments, docs } = data.leash.upstreams;
    expect(payments).toMatchObject({ sensitive: true, streamRoutes: ['POST /v1/files', '* /v1/uploads'] });
    expect(docs).not.toHaveProperty('sensitive');
    expect(docs).not.toHaveProperty('streamRoutes');
    const read = readUpstreamDeclarations(data);
    expect(read.problems).toEqual([]);
    expect(read.declarations.map((d) => [d.name, d.sensitive, d.streamRoutes])).toEqual([
      ['docs', false, []],
      ['payments', true, [{ method: 'POST', pathPrefix: '/v1/files' }, { method: '*', pathPrefix: '/v1/uploads' }]],
    ]);
  });

  it('refuses a stream route the proxy could not read, at its location', async () => {
    const file = 'test/fixtures/dsl/upstream-flags-invalid.policy.ts';
    const r = await compile([file], { root: ROOT });
    expect(r.bundle).toBeUndefined();
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      expect.stringMatching(new RegExp(`^${file.replace(/[./]/g, '\\$&')}:16:7: leash_dsl_invalid: upstream 'files' streamRoutes must be a list like \\['POST /v1/files'\\]`)),
    ]);
  });
});
