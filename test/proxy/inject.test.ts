// The four injection styles put the credential exactly where the upstream expects it, and
// the scrubber knows every form the credential then travels in (Basic tokens included).
import { describe, expect, it } from 'vitest';
import { injectCredential, injectedHeaderName } from '../../server/proxy/inject.ts';
import { createUpstreamRegistry, loadCredentials, Secret, type Injection } from '../../server/proxy/index.ts';
import { scrubText } from '../../server/proxy/scrub.ts';

const KEY = 'key_live_0123456789abcdef';
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('injectCredential', () => {
  it.each<[Injection, Record<string, string>, string]>([
    [{ kind: 'bearer' }, { authorization: `Bearer ${KEY}` }, 'a=1'],
    [{ kind: 'basic' }, { authorization: `Basic ${b64(`${KEY}:`)}` }, 'a=1'],
    [{ kind: 'basic', username: 'api' }, { authorization: `Basic ${b64(`api:${KEY}`)}` }, 'a=1'],
    [{ kind: 'header', name: 'x-api-key' }, { 'x-api-key': KEY }, 'a=1'],
    [{ kind: 'header', name: 'authorization', prefix: 'Token ' }, { authorization: `Token ${KEY}` }, 'a=1'],
    [{ kind: 'query', name: 'api_key' }, {}, `a=1&api_key=${KEY}`],
  ])('%j', (inject, headers, query) => {
    const out: Record<string, string | string[]> = {};
    expect(injectCredential(inject, new Secret(KEY), out, 'a=1&api_key=agents-own')).toBe(inject.kind === 'query' ? query : 'a=1&api_key=agents-own');
    expect(out).toEqual(headers);
    expect(injectedHeaderName(inject)).toBe(inject.kind === 'query' ? undefined : Object.keys(headers)[0]);
  });

  it('a `user:password` Basic credential is sent as is, and both it and its token are scrubbed', () => {
    const declarations = [{ name: 'twilio', baseUrl: 'https://api.twilio.com', credential: { kind: 'env', name: 'TWILIO' }, inject: { kind: 'basic' }, sensitive: true, streamRoutes: [] } as const];
    const { registry } = createUpstreamRegistry({ declarations, credentials: loadCredentials({ env: { TWILIO: `AC42:${KEY}` } }) });
    const upstream = registry.get('twilio');
    const out: Record<string, string | string[]> = {};
    injectCredential(upstream!.inject, upstream!.credential!, out, '');
    expect(out['authorization']).toBe(`Basic ${b64(`AC42:${KEY}`)}`);
    const echoed = scrubText(`auth=${String(out['authorization'])} pass=${KEY} pair=AC42:${KEY}`, upstream!.scrubber);
    expect(echoed).not.toContain(KEY);
    expect(echoed).not.toContain(b64(`AC42:${KEY}`));
  });
});
