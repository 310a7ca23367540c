// The audit line is made while the event is built, from JSON text cached per agent object
// and per observer (server/audit/event.ts). Property: for any decision record it is
// byte for byte JSON.stringify of the event, and of the event as the plain builder below
// (the pre-cache implementation, kept here as the reference) makes it: same key order,
// same members left out, same redaction. Agents are reused across records, so the cached
// parts are checked on first use and after many events; and no secret is ever written.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DECISION_ENTRYPOINT } from '../../compiler/contract.ts';
import { auditLine, buildAuditEvent, createEventBuilder, jsonLines, type EventOptions } from '../../server/audit/event.ts';
import { redactBody, redactValue, type RedactOptions } from '../../server/audit/redact.ts';
import type { DecisionRecord } from '../../server/contracts.ts';

/** the builder as it was before the line cache: every part made per event */
function referenceEvent(record: DecisionRecord, options: EventOptions = {}): unknown {
  const { request, answer } = record;
  const agent = answer.agent;
  const alerts = options.alerts ?? [];
  const high = answer.priority === 'high' || alerts.length > 0;
  const redactAgent = (a: NonNullable<typeof agent>) => {
    const task = redactValue(a.task);
    return { agent: { ...a, claims: redactValue(a.claims), task }, task };
  };
  return {
    decision_id: answer.decision_id,
    event_type: record.upstreamCall ? 'upstream_call' : 'decision',
    path: DECISION_ENTRYPOINT,
    input: referenceInput(record, options, redactAgent),
    result: {
      allow: answer.allow,
      status: answer.status,
      code: answer.code || undefined,
      reason_code: answer.reason_code || undefined,
      reasons: answer.reasons,
      limits: answer.limits.map((l) => ({ id: l.id, scope: l.scope, max: l.max, window: l.window, cost: l.cost })),
      class: answer.class,
      resources: answer.resources,
    },
    timestamp: new Date(record.timestampMs).toISOString(),
    labels: { app: 'leash', ...(options.labels ?? {}) },
    metrics: { timer_server_handler_ns: record.durationNs },
    bundles: answer.revision ? { leash: { revision: answer.revision } } : undefined,
    agent_id: agent?.id ?? null,
    session: agent?.session ?? null,
    key_id: agent?.key ?? null,
    task: agent?.task ? redactAgent(agent).task : null,
    access: answer.access,
    rule: answer.rule,
    limit_state: answer.bucketStates ?? [],
    priority: high ? 'high' : 'normal',
    via: request.via,
    alerts: alerts.length > 0 ? alerts : undefined,
    upstream_call: record.upstreamCall,
  };
}

function referenceInput(record: DecisionRecord, options: RedactOptions, redactAgent: (a: NonNullable<DecisionRecord['answer']['agent']>) => { agent: unknown }): unknown {
  const input = record.answer.input;
  if (input) {
    return {
      agent: redactAgent(input.agent).agent,
      request: { method: input.request.method, path: input.request.path, query: redactValue(input.request.query), headers: redactValue(input.request.headers), body: redactBody(input.request.body, options) },
      upstream: input.upstream,
      now: input.now,
    };
  }
  const r = record.request;
  const headers: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
  return { request: { method: r.method, path: r.path, query: redactValue(r.query ?? {}), headers: redactValue(headers), body: redactBody(r.body, options) }, upstream: r.upstream ?? null };
}

/* ----------------------------------------------------------- generators */

/** never to appear in a line: only ever under a secret name, in a bearer value or a JWT */
const SECRET = 'S3CRET-must-not-leak';
const JWT = `eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.${SECRET}`;

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }), // any code unit: quotes, backslashes, controls, lone surrogates
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.constantFrom('', 'support-bot', 'T-4891', 'C-771', 'naïve ☃ 𝄞', '"quoted"\\', '\u2028\u2029', '\ud800', '</script>'),
);
const key = fc.oneof(text, fc.constantFrom('sub', 'sid', 'task', 'note', 'role', '__proto__x', 'a"b', 'line\nbreak', 'toString'));
const secretKey = fc.constantFrom('password', 'api_key', 'x-api-key', 'refresh_token', 'client_secret', 'authorization', 'Cookie', 'signature', 'private_key', 'session_key');
const secretValue = fc.constantFrom(SECRET, `Bearer ${SECRET}`, `basic ${SECRET}`, JWT);
const leaf = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.constantFrom(`Bearer ${SECRET}`, JWT));

/** JSON-like values with secrets planted under secret names and as token-shaped strings */
const { value: jsonish } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
    fc.tuple(fc.dictionary(key, tie('value'), { maxKeys: 3 }), secretKey, secretValue).map(([o, k, v]) => ({ ...o, [k]: v })),
  ),
}));
const record_ = (values: fc.Arbitrary<unknown>) => fc.dictionary(key, values, { maxKeys: 5 });

const agentArb = fc.record(
  {
    id: text,
    session: text,
    key: fc.option(text, { nil: null }),
    claims: fc.tuple(record_(jsonish), fc.option(secretValue, { nil: undefined })).map(([c, s]) => (s ? { ...c, refresh_token: s, note: `Bearer ${SECRET}` } : c)),
    task: fc.option(record_(jsonish), { nil: null }),
  },
  { requiredKeys: ['id', 'session', 'key', 'claims', 'task'] },
);

const limit = fc.record({ id: text, scope: fc.constantFrom('session', 'agent', 'key', 'task', 'upstream'), key: text, max: fc.nat(), window: fc.constantFrom('session', '60s', '1h'), cost: fc.nat(5) });
const bucket = fc.record({ id: text, limit: fc.nat(), remaining: fc.integer(), resetMs: fc.nat(), fullMs: fc.nat() }, { requiredKeys: ['id', 'limit', 'remaining', 'resetMs'] });
const headerMap = fc.oneof(
  fc.constant({}),
  fc.tuple(fc.dictionary(text, fc.oneof(text, fc.array(text, { maxLength: 2 })), { maxKeys: 3 }), fc.option(fc.tuple(secretKey, secretValue), { nil: undefined })).map(([h, s]) => (s ? { ...h, [s[0]]: s[1] } : h)),
);
const body = fc.oneof(fc.constant(undefined), fc.constant(null), jsonish, fc.constant({ blob: 'x'.repeat(100) }), fc.constant({ big: 1n }));
const number = fc.oneof(fc.integer(), fc.double(), fc.constant(85_000));

interface Shape {
  readonly agentIndex: number | null;
  readonly inputAgentIndex: number | null;
  readonly withInput: boolean;
  readonly answer: Record<string, unknown>;
  readonly request: Record<string, unknown>;
  readonly inputRequest: Record<string, unknown>;
  readonly upstream: unknown;
  readonly now: unknown;
  readonly timestampMs: number;
  readonly durationNs: unknown;
  readonly upstreamCall: unknown;
  readonly alerts: readonly string[] | undefined;
}

const shape: fc.Arbitrary<Shape> = fc.record({
  agentIndex: fc.option(fc.nat(5), { nil: null }),
  inputAgentIndex: fc.option(fc.nat(5), { nil: null }),
  withInput: fc.boolean(),
  answer: fc.record(
    {
      decision_id: fc.oneof(fc.uuid(), text),
      allow: fc.boolean(),
      access: fc.constantFrom('read', 'write'),
      rule: fc.option(text, { nil: null }),
      reasons: fc.array(text, { maxLength: 3 }),
      limits: fc.array(limit, { maxLength: 3 }),
      priority: fc.constantFrom('normal', 'high'),
      class: fc.constantFrom(null, 'scope', 'business', 'input', 'limit', 'identity', 'system'),
      resources: fc.array(text, { maxLength: 2 }),
      status: fc.oneof(fc.constantFrom(200, 401, 403, 429, 503), number),
      headers: fc.constant({}),
      code: fc.constantFrom(undefined, '', 'bad_token', 'rate_limited', 'quarantined'),
      reason_code: fc.constantFrom(undefined, '', 'token_expired'),
      bucketStates: fc.array(bucket, { maxLength: 3 }),
      revision: fc.oneof(fc.constantFrom('rev-1', 'sha256:4f1e', ''), text),
    },
    { requiredKeys: ['decision_id', 'allow', 'access', 'rule', 'reasons', 'limits', 'priority', 'class', 'resources', 'status', 'headers'] },
  ),
  request: fc.record(
    {
      method: fc.constantFrom('GET', 'POST', 'DELETE'),
      path: text,
      query: headerMap,
      headers: fc.oneof(headerMap, fc.constant({ Authorization: `Bearer ${SECRET}`, 'X-Request-Id': 'r-1', 'x-skip': undefined })),
      body,
      upstream: fc.option(text, { nil: null }),
      token: fc.constant(JWT),
      via: fc.constantFrom('decide', 'data-api', 'authz', 'proxy', 'mcp', 'authzen'),
    },
    { requiredKeys: ['method', 'path', 'via'] },
  ),
  inputRequest: fc.record({ method: fc.constantFrom('GET', 'POST'), path: text, raw_path: text, host: fc.option(text, { nil: null }), query: headerMap, headers: headerMap, body }, { requiredKeys: ['method', 'path', 'query', 'headers', 'body'] }),
  upstream: fc.constantFrom(null, 'stripe', undefined),
  now: number,
  timestampMs: fc.oneof(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.integer({ min: -62_135_596_800_000, max: 8_640_000_000_000_000 }), fc.double({ min: 0, max: 4e12, noNaN: true })),
  durationNs: number,
  upstreamCall: fc.option(fc.record({ upstream: text, status: fc.nat(599), durationMs: fc.nat(), cost: fc.nat(3) }), { nil: undefined }),
  alerts: fc.option(fc.array(fc.constantFrom('read_out_of_scope', 'write_denied', text as unknown as string), { maxLength: 2 }), { nil: undefined }),
}) as fc.Arbitrary<Shape>;

type Agent = NonNullable<DecisionRecord['answer']['agent']>;

function toRecord(s: Shape, agents: readonly Agent[]): DecisionRecord {
  const agent = s.agentIndex === null ? undefined : agents[s.agentIndex % agents.length];
  // the input's agent is usually the answer's very object, sometimes another one
  const inputAgent = s.inputAgentIndex === null ? agent ?? agents[0]! : agents[s.inputAgentIndex % agents.length]!;
  const input = s.withInput ? { agent: inputAgent, request: s.inputRequest, upstream: s.upstream, now: s.now } : undefined;
  return {
    request: s.request,
    answer: { ...s.answer, agent, input },
    timestampMs: s.timestampMs,
    durationNs: s.durationNs,
    ...(s.upstreamCall ? { upstreamCall: s.upstreamCall } : {}),
  } as unknown as DecisionRecord;
}

/** the line, or the error JSON.stringify throws for an unwritable value (a BigInt body is caught by redactBody) */
const lineOf = (f: () => string): string => {
  try {
    return f();
  } catch (err) {
    return `throws: ${(err as Error).name}`;
  }
};

// agents that live across runs, as the token cache's do: later runs hit their cached JSON
const longLived: Agent[] = [];

describe('audit line', () => {
  it('is JSON.stringify(event), byte for byte, and the event is what the plain builder makes', () => {
    fc.assert(
      fc.property(
        fc.array(agentArb, { minLength: 1, maxLength: 4 }),
        fc.array(shape, { minLength: 1, maxLength: 12 }),
        fc.option(fc.dictionary(fc.oneof(key, fc.constant('app')), text, { maxKeys: 3 }), { nil: undefined }),
        fc.constantFrom(undefined, 64, 8_192),
        fc.boolean(),
        (fresh, shapes, labels, maxBodyBytes, reuse) => {
          if (reuse && longLived.length < 40) longLived.push(...(fresh as Agent[]));
          const agents = reuse && longLived.length > 0 ? longLived : (fresh as Agent[]);
          const builder = createEventBuilder({ labels, maxBodyBytes });
          const events = [];
          // every record twice: the second time every agent part comes from the cache
          for (const s of [...shapes, ...shapes]) {
            const record = toRecord(s, agents);
            const options: EventOptions = { labels, alerts: s.alerts, maxBodyBytes };
            const reference = lineOf(() => JSON.stringify(referenceEvent(record, options)));
            for (const event of [buildAuditEvent(record, options), builder(record, s.alerts)]) {
              const line = lineOf(() => auditLine(event));
              expect(line).toBe(reference);
              expect(line).toBe(lineOf(() => JSON.stringify(event)));
              expect(line).not.toContain(SECRET);
              events.push(event);
            }
          }
          const written = events.filter((e) => !lineOf(() => auditLine(e)).startsWith('throws'));
          expect(jsonLines(written)).toBe(`${written.map((e) => JSON.stringify(e)).join('\n')}\n`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('stays right for one agent object across many events, denials without an agent in between', () => {
    const agent: Agent = { id: 'support-bot', session: 's-"1"', key: null, claims: { sub: 'support-bot', nested: { deep: [1, { token: SECRET }] }, 'ключ': 'знач', note: `Bearer ${SECRET}` }, task: { ticketId: 'T-4891', 'a\\b': '\u0007' } };
    const builder = createEventBuilder({ labels: { id: 'node-1' } });
    fc.assert(
      fc.property(fc.array(shape, { minLength: 5, maxLength: 30 }), (shapes) => {
        for (const s of shapes) {
          const record = toRecord({ ...s, agentIndex: s.agentIndex === null ? null : 0, inputAgentIndex: null }, [agent]);
          const line = lineOf(() => auditLine(builder(record, s.alerts)));
          expect(line).toBe(lineOf(() => JSON.stringify(referenceEvent(record, { labels: { id: 'node-1' }, alerts: s.alerts }))));
          expect(line).not.toContain(SECRET);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('stringifies events it did not build, and copies of built ones, as they are', () => {
    const admin = { decision_id: 'a-1', event_type: 'admin_action', path: 'leash/admin', input: { method: 'POST', target: null }, priority: 'high', via: 'admin' };
    expect(auditLine(admin as never)).toBe(JSON.stringify(admin));
    const record = toRecord(fc.sample(shape, { numRuns: 1, seed: 7 })[0]!, fc.sample(agentArb, { numRuns: 1, seed: 7 }) as Agent[]);
    const copy = { ...buildAuditEvent(record), decision_id: 'changed' };
    expect(auditLine(copy)).toBe(JSON.stringify(copy));
  });
});
