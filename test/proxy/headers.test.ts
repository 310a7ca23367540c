// Header hygiene and the agent-token slots, as plain functions.
import { describe, expect, it } from 'vitest';
import { agentResponseHeaders, agentToken, upstreamRequestHeaders } from '../../server/proxy/headers.ts';

describe('upstreamRequestHeaders', () => {
  it('drops the named extras (injected header, client-certificate header) and keeps the rest', () => {
    const out = upstreamRequestHeaders(
      { 'x-api-key': 'agent', 'x-client-cert-sha256': 'abc', 'idempotency-key': 'k1', 'content-length': '10', host: 'leash' },
      { drop: ['x-api-key', 'X-Client-Cert-SHA256'], keepLength: false },
    );
    expect(out).toEqual({ 'idempotency-key': 'k1', 'accept-encoding': 'identity' });
    expect(upstreamRequestHeaders({ 'content-length': '10' }, { drop: [], keepLength: true })['content-length']).toBe('10');
  });
});

describe('agentResponseHeaders', () => {
  it('drops hop-by-hop, connection-listed and upstream-host headers', () => {
    expect(agentResponseHeaders({ connection: 'x-a', 'x-a': '1', 'keep-alive': 't', 'transfer-encoding': 'chunked', 'set-cookie': ['a=b'], 'request-id': 'req_1' })).toEqual({ 'request-id': 'req_1' });
  });
});

describe('agentToken', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  it.each([
    [{ authorization: 'Bearer tok.en.x' }, 'tok.en.x'],
    [{ authorization: `Basic ${b64('tok.en.x:')}` }, 'tok.en.x'],
    [{ authorization: `Basic ${b64('AC1:tok.en.x')}` }, 'tok.en.x'],
    [{ 'x-leash-token': 'tok.en.x' }, 'tok.en.x'],
    [{ authorization: 'Digest abc' }, undefined],
    [{}, undefined],
  ])('%j → %s', (headers, token) => {
    expect(agentToken(headers)).toBe(token);
  });
});
