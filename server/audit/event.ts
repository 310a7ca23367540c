// The audit event: OPA's decision-log fields (decision_id, path, input, result, timestamp,
// labels, metrics, bundles) plus Leash's identity and limit fields, built from one
// DecisionRecord. Credentials never reach it: the input passes through redact.ts.
import type { AccessKind, DecisionClass, Priority } from '../../compiler/index.ts';
// the contract module directly: compiler/index.ts would load the whole compiler into the server
import { DECISION_ENTRYPOINT } from '../../compiler/contract.ts';
import type { BucketState, DecisionRecord } from '../contracts.ts';
import { redactBody, redactValue, type RedactOptions } from './redact.ts';

export interface AuditEvent {
  readonly decision_id: string;
  /**
   * 'upstream_call': the credential proxy's second event for an allowed call, once the upstream answered;
   * 'admin_action': an admin API action or a refused admin request (server/admin/audit.ts; `admin` says what)
   */
  readonly event_type: 'decision' | 'upstream_call' | 'admin_action';
  readonly path: string;
  readonly input: unknown;
  readonly result: {
    readonly allow: boolean;
    readonly status: number;
    readonly code?: string;
    readonly reason_code?: string;
    readonly reasons: readonly string[];
    readonly limits: readonly unknown[];
    /** what kind of denial (scope, business, input, limit, identity, system); null when allowed */
    readonly class: DecisionClass | null;
    /** the resources (`<policy>/<route>`) the request matched */
    readonly resources: readonly string[];
  };
  /** RFC 3339 with ms, UTC */
  readonly timestamp: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly metrics: Readonly<Record<string, number>>;
  readonly bundles?: Readonly<Record<string, { readonly revision: string }>>;
  readonly agent_id: string | null;
  readonly session: string | null;
  readonly key_id: string | null;
  readonly task: unknown;
  readonly access: AccessKind;
  readonly rule: string | null;
  readonly limit_state: readonly BucketState[];
  readonly priority: Priority;
  readonly via: string;
  readonly alerts?: readonly string[];
  readonly upstream_call?: DecisionRecord['upstreamCall'];
  /** for `admin_action` events: who did what to what, and how it went (never the admin token) */
  readonly admin?: AdminActionFields;
}

export interface AdminActionFields {
  readonly actor: 'admin';
  /** e.g. `session.block`, `session.release`, `auth.failed`, `auth.failed.suppressed` */
  readonly action: string;
  /** what the action was on (a session id), or the path of a refused request */
  readonly target: string | null;
  readonly outcome: 'ok' | 'rejected' | 'error' | 'unauthorized';
  readonly status: number;
  readonly remote_address: string;
  readonly method: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface EventOptions extends RedactOptions {
  /** OPA-style labels: who produced the event (id, version, ...) */
  readonly labels?: Readonly<Record<string, string>>;
  /** anomaly kinds that alerted for this decision; makes the event high priority */
  readonly alerts?: readonly string[];
}

/**
 * What stays the same for every event of one observer: the labels object (with `app`) and
 * its JSON text, made once rather than once per event.
 */
interface EventContext {
  readonly labels: Readonly<Record<string, string>>;
  readonly labelsJson: string;
  readonly redact: RedactOptions;
}

function eventContext(options: Omit<EventOptions, 'alerts'>): EventContext {
  const labels = { app: 'leash', ...(options.labels ?? {}) };
  return { labels, labelsJson: JSON.stringify(labels), redact: { maxBodyBytes: options.maxBodyBytes } };
}

const NO_ALERTS: readonly string[] = [];

export function buildAuditEvent(record: DecisionRecord, options: EventOptions = {}): AuditEvent {
  return build(record, eventContext(options), options.alerts ?? NO_ALERTS);
}

/**
 * `buildAuditEvent` with its options fixed once (the observer's labels and body limit): the
 * labels object and its JSON are made here, not per event. Events share that labels object.
 */
export function createEventBuilder(options: Omit<EventOptions, 'alerts'> = {}): (record: DecisionRecord, alerts?: readonly string[]) => AuditEvent {
  const context = eventContext(options);
  return (record, alerts = NO_ALERTS) => build(record, context, alerts);
}

// Each event's JSON line is made while the event is built. Most of its bytes are the
// redacted agent, the same for every decision of a token: its JSON text is kept once per
// agent object, like the identity members (`agent_id` … `task`) and the observer's labels.
// The rest is JSON.stringify of objects with the event's own keys in the event's own order
// (so undefined members are left out alike) around which the kept text is spliced: the
// line is exactly JSON.stringify(event) (test/audit/line.test.ts), an event being read-only
// once built. `auditLine` hands it out; events made elsewhere (admin actions) are
// stringified as they come. The line sits on the event under a non-enumerable symbol:
// invisible to JSON, spreads (a changed copy is stringified afresh) and deep equality.
const LINE = Symbol('audit line');

const json = JSON.stringify as (value: unknown) => string | undefined;

/** `,"key":<json>` (key given as JSON), or nothing when JSON.stringify would leave the member out */
function member(key: string, value: unknown): string {
  const text = json(value);
  return text === undefined ? '' : `,${key}:${text}`;
}

function numberMember(key: string, value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? `,${key}:${value}` : member(key, value);
}

/** where the redacted agent goes: right after the opening of `input` */
const INPUT_OPEN = ',"input":{';

function build(record: DecisionRecord, context: EventContext, alerts: readonly string[]): AuditEvent {
  const { request, answer } = record;
  const agent = answer.agent;
  // the decision's priority already makes writes high unless a rule said 'normal'
  const high = answer.priority === 'high' || alerts.length > 0;
  const redacted = agent ? redactedAgent(agent) : undefined;
  const input = buildInput(record, context.redact);
  const bundles = answer.revision ? bundlesOf(answer.revision) : undefined;
  // Absent optional fields are `undefined` rather than spread in: JSON (what every sink
  // writes) leaves them out all the same, and no per-event copies are made.
  const result = {
    allow: answer.allow,
    status: answer.status,
    code: answer.code || undefined,
    reason_code: answer.reason_code || undefined,
    reasons: answer.reasons,
    limits: answer.limits.map((l) => ({ id: l.id, scope: l.scope, max: l.max, window: l.window, cost: l.cost })),
    class: answer.class,
    resources: answer.resources,
  };
  const event: AuditEvent = {
    decision_id: answer.decision_id,
    event_type: record.upstreamCall ? 'upstream_call' : 'decision',
    path: DECISION_ENTRYPOINT,
    input: input.value,
    result,
    timestamp: isoTimestamp(record.timestampMs),
    labels: context.labels,
    metrics: { timer_server_handler_ns: record.durationNs },
    bundles: bundles?.value,
    agent_id: agent?.id ?? null,
    session: agent?.session ?? null,
    key_id: agent?.key ?? null,
    task: agent?.task ? redacted!.task : null,
    access: answer.access,
    rule: answer.rule,
    limit_state: answer.bucketStates ?? [],
    priority: high ? 'high' : 'normal',
    via: request.via,
    alerts: alerts.length > 0 ? alerts : undefined,
    upstream_call: record.upstreamCall,
  };
  try {
    // the event up to `result` and `timestamp`, the policy input without its agent
    let head = JSON.stringify({ decision_id: event.decision_id, event_type: event.event_type, path: event.path, input: input.shadow, result, timestamp: event.timestamp });
    if (input.agent) {
      // no string in JSON holds an unescaped quote, so the first `,"input":{` is the member's
      const at = head.indexOf(INPUT_OPEN) + INPUT_OPEN.length;
      head = `${head.slice(0, at)}"agent":${agentJson(input.agent)}${head.charCodeAt(at) === 0x7d ? '' : ','}${head.slice(at, -1)}`;
    } else head = head.slice(0, -1);
    const tail = JSON.stringify({ access: event.access, rule: event.rule, limit_state: event.limit_state, priority: event.priority, via: event.via, alerts: event.alerts, upstream_call: event.upstream_call });
    Object.defineProperty(event, LINE, { value:
      `${head},"labels":${context.labelsJson},"metrics":{${numberMember('"timer_server_handler_ns"', record.durationNs).slice(1)}}${bundles ? bundles.member : ''}` +
        `${redacted ? identityJson(agent!, redacted) : NO_IDENTITY_JSON}${tail.length === 2 ? '}' : `,${tail.slice(1)}`}` });
  } catch {
    // A value JSON.stringify cannot write (a BigInt, say) fails in the sink as it always
    // did, not here: the event gets no line and auditLine stringifies it (and throws) there.
  }
  return event;
}

interface Input {
  readonly value: unknown;
  /** the value without `agent`, for the line; the agent's JSON is spliced in */
  readonly shadow: unknown;
  readonly agent?: RedactedAgent;
}

/** the policy input when there is one, else the raw request; either way without credentials */
function buildInput(record: DecisionRecord, options: RedactOptions): Input {
  const input = record.answer.input;
  if (input) {
    const agent = redactedAgent(input.agent);
    const request = {
      method: input.request.method,
      path: input.request.path,
      query: redactRecord(input.request.query),
      headers: redactRecord(input.request.headers),
      body: redactBody(input.request.body, options),
    };
    return { value: { agent: agent.agent, request, upstream: input.upstream, now: input.now }, shadow: { request, upstream: input.upstream, now: input.now }, agent };
  }
  const r = record.request;
  const headers: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
  // never the token itself, nor the certificate thumbprint bound to it
  const value = { request: { method: r.method, path: r.path, query: redactRecord(r.query ?? {}), headers: redactRecord(headers), body: redactBody(r.body, options) }, upstream: r.upstream ?? null };
  return { value, shadow: value };
}

/** query and headers, redacted as always; most are empty, and an empty one needs no walk */
function redactRecord(value: unknown): unknown {
  return isEmptyRecord(value) ? {} : redactValue(value);
}

/** what redactValue turns into `{}`: a non-array object without own enumerable keys */
function isEmptyRecord(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const k in value) if (Object.hasOwn(value, k)) return false;
  return true;
}

/** the bundle revision changes on a reload only: its object and JSON are kept for the latest one */
let lastBundles: { readonly revision: string; readonly value: { readonly leash: { readonly revision: string } }; readonly member: string } | undefined;

function bundlesOf(revision: string): { readonly value: { readonly leash: { readonly revision: string } }; readonly member: string } {
  if (lastBundles?.revision === revision) return lastBundles;
  const value = { leash: { revision } };
  const built = { revision, value, member: `,"bundles":${JSON.stringify(value)}` };
  if (typeof revision === 'string') lastBundles = built;
  return built;
}

/** RFC 3339 with ms, UTC; the part up to the seconds kept for the latest second */
let lastSecond = NaN;
let lastSecondPrefix = '';

function isoTimestamp(ms: number): string {
  if (Number.isInteger(ms) && ms >= 0 && ms <= 8.64e15) {
    const second = Math.floor(ms / 1000);
    if (second !== lastSecond) {
      const iso = new Date(second * 1000).toISOString();
      lastSecondPrefix = iso.slice(0, iso.length - 4); // without `000Z`
      lastSecond = second;
    }
    const frac = ms - second * 1000;
    return `${lastSecondPrefix}${frac < 10 ? '00' : frac < 100 ? '0' : ''}${frac}Z`;
  }
  return new Date(ms).toISOString();
}

type Agent = NonNullable<DecisionRecord['answer']['agent']>;
interface RedactedAgent {
  readonly agent: unknown;
  readonly task: unknown;
  /** JSON of `agent`, made the first time the agent is an event's input */
  agentJson: string | undefined;
  /** `,"agent_id":…,"session":…,"key_id":…,"task":…`, made the first time it is needed */
  identityJson: string | undefined;
}

// The verified-token cache hands out one agent object per token, so its redacted copy, and
// that copy's JSON, are made once per token, not once per decision (events only read them,
// never change them; nor does anything change an agent once verified).
const redactedAgents = new WeakMap<Agent, RedactedAgent>();

function redactedAgent(agent: Agent): RedactedAgent {
  let hit = redactedAgents.get(agent);
  if (!hit) {
    const task = redactValue(agent.task);
    hit = { agent: { ...agent, claims: redactValue(agent.claims), task }, task, agentJson: undefined, identityJson: undefined };
    redactedAgents.set(agent, hit);
  }
  return hit;
}

function agentJson(redacted: RedactedAgent): string {
  return (redacted.agentJson ??= json(redacted.agent)!);
}

const NO_IDENTITY_JSON = ',"agent_id":null,"session":null,"key_id":null,"task":null';

function identityJson(agent: Agent, redacted: RedactedAgent): string {
  return (redacted.identityJson ??=
    member('"agent_id"', agent.id ?? null) + member('"session"', agent.session ?? null) + member('"key_id"', agent.key ?? null) +
    member('"task"', agent.task ? redacted.task : null));
}

/** Events as JSON Lines: one event per line, each ending in a newline. */
export function jsonLines(events: readonly AuditEvent[]): string {
  return `${events.map(auditLine).join('\n')}\n`;
}

/** The event as one line of JSON (no newline): JSON.stringify(event), made once per event. */
export function auditLine(event: AuditEvent): string {
  return (event as unknown as { [LINE]?: string })[LINE] ?? JSON.stringify(event);
}
