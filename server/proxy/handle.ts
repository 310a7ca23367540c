// One proxied call, start to end: resolve the upstream and a safe target, read (or plan to
// stream) the body, ask the decision service, and only when it allows inject the real
// credential, forward, and stream the scrubbed answer back; then the upstream-call record. Every
// early exit is a ProxyFailure or the decision's own denial.
import { pipeline, type Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Dispatcher } from 'undici';
import type { DecisionAnswer, DecisionObserver, DecisionRecord, DecisionRequest, DecisionService } from '../contracts.ts';
import { countingStream, parsePolicyBody, readBoundedBody, tooLargeToInspect } from './body.ts';
import { proxyFailure, type ProxyFailure } from './errors.ts';
import { decoderFor, describeFailure, forwardCall } from './forward.ts';
import { agentResponseHeaders, agentToken, policyHeaders, upstreamRequestHeaders } from './headers.ts';
import { injectCredential, injectedHeaderName } from './inject.ts';
import { isStreamRoute } from './metadata.ts';
import type { ReadyUpstream, UpstreamRegistry } from './registry.ts';
import { scrubStream, scrubText } from './scrub.ts';
import { buildTargetUrl, parseProxyTarget, queryForPolicy, rewriteLocation } from './target.ts';
import type { ProxyLimits } from './types.ts';

export interface ProxyContext {
  readonly decisions: DecisionService;
  readonly observer?: DecisionObserver;
  readonly registry: UpstreamRegistry;
  readonly limits: ProxyLimits;
  readonly dispatcher: Dispatcher;
  /** the route prefix, `/proxy` */
  readonly prefix: string;
  /** the header the gateway forwards the client-certificate thumbprint in, when configured */
  readonly certThumbprintHeader?: string;
  readonly refresh?: () => void;
}

export async function handleProxyCall(ctx: ProxyContext, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const startedNs = process.hrtime.bigint();
  const timestampMs = Date.now();
  const raw = request.raw;
  const method = (raw.method ?? 'GET').toUpperCase();

  ctx.refresh?.();
  const parsed = parseProxyTarget(raw.url ?? '', ctx.prefix);
  if (!parsed.ok) return sendFailure(reply, parsed.failure, true);
  const { target } = parsed;
  const upstream = ctx.registry.get(target.upstream);
  if (upstream === undefined) return sendFailure(reply, proxyFailure('unknown_upstream', `no upstream named "${target.upstream}" is declared`), true);
  // Checked before the decision so a call that cannot be forwarded burns no budget.
  if (upstream.credential === undefined) {
    request.log.warn({ upstream: upstream.name }, 'proxy call refused: upstream credential missing');
    return sendFailure(reply, proxyFailure('credential_missing', `upstream ${upstream.name} has no credential: ${upstream.missingReason ?? 'not loaded'}`), true);
  }

  const streamed = isStreamRoute(upstream.streamRoutes, method, target.path);
  const bodyLimit = streamed ? ctx.limits.maxBodyBytes : ctx.limits.inspectBodyBytes;
  const declaredLength = contentLength(raw.headers['content-length']);
  const hasBody = raw.headers['transfer-encoding'] !== undefined || (declaredLength !== undefined && declaredLength > 0);
  if (declaredLength !== undefined && declaredLength > bodyLimit) {
    return sendFailure(reply, streamed ? proxyFailure('body_too_large', `the body is over the ${bodyLimit}-byte request limit`) : tooLargeToInspect(bodyLimit), true);
  }

  let bytes: Buffer | null = null;
  let policyBody: unknown = null;
  if (hasBody && !streamed) {
    const read = await readBoundedBody(raw, bodyLimit, ctx.limits.requestBodyTimeoutMs);
    if (!read.ok) return sendFailure(reply, read.failure, true);
    const body = parsePolicyBody(read.bytes, headerText(raw.headers['content-type']));
    if (!body.ok) return sendFailure(reply, body.failure, false);
    bytes = read.bytes;
    policyBody = body.value;
  }

  const queryParam = upstream.inject.kind === 'query' ? upstream.inject.name : undefined;
  const decisionRequest: DecisionRequest = {
    via: 'proxy',
    upstream: upstream.name,
    method,
    path: target.path,
    query: queryForPolicy(target.rawQuery, queryParam),
    headers: policyHeaders(raw.headers),
    body: policyBody,
    ...thumbprint(ctx, raw.headers),
  };
  const token = agentToken(raw.headers);
  let answer: DecisionAnswer;
  try {
    answer = await ctx.decisions.decide(token === undefined ? decisionRequest : { ...decisionRequest, token });
  } catch (error) {
    request.log.error({ err: error, upstream: upstream.name }, 'decision service failed; proxy call denied');
    return sendFailure(reply, proxyFailure('decision_unavailable', 'the decision service failed; the call was not forwarded'), hasBody && bytes === null);
  }
  // The decision service has recorded the decision itself; the proxy adds a second record
  // for the same decision_id once it knows what the upstream call did. Calls to upstreams
  // that move money or send messages are high priority.
  const callAnswer: DecisionAnswer = upstream.sensitive ? { ...answer, priority: 'high' } : answer;
  const audit = (upstreamCall: NonNullable<DecisionRecord['upstreamCall']>): void => {
    ctx.observer?.record({ request: decisionRequest, answer: callAnswer, timestampMs, durationNs: Number(process.hrtime.bigint() - startedNs), upstreamCall });
  };
  if (!answer.allow || answer.status !== 200) {
    // Not recorded again here: the decision service's record already carries the denial,
    // and a denied write (every money-moving or message-sending call) alerts from it at once.
    if (upstream.sensitive) request.log.warn({ upstream: upstream.name, decision_id: answer.decision_id, status: answer.status, code: answer.code ?? 'denied' }, 'denied call to a sensitive upstream');
    return sendDenial(reply, answer, hasBody && bytes === null);
  }

  const cost = callCost(answer);
  const drop = [injectedHeaderName(upstream.inject), ctx.certThumbprintHeader].filter((h): h is string => h !== undefined);
  const headers = upstreamRequestHeaders(raw.headers, { drop, keepLength: streamed });
  const query = injectCredential(upstream.inject, upstream.credential, headers, target.rawQuery);
  const built = buildTargetUrl(upstream.base, target.path, query);
  if (!built.ok) return sendFailure(reply, built.failure, hasBody && bytes === null);

  const abort = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) abort.abort();
  });
  let body: Buffer | Readable | null = bytes;
  if (streamed && hasBody) {
    const counter = countingStream(ctx.limits.maxBodyBytes, ctx.limits.requestBodyTimeoutMs);
    // pipe, not pipeline: when the counter fails (too large, stalled) the agent's socket must
    // stay open for the 413/408 answer; the rest of its body is left unread and the
    // connection closes after the answer.
    raw.pipe(counter);
    counter.once('error', () => {
      raw.unpipe(counter);
      raw.pause();
    });
    body = counter;
  }
  const forwardStart = performance.now();
  const result = await forwardCall(ctx.dispatcher, { upstream: upstream.name, method, url: built.url, headers, body, signal: abort.signal }, ctx.limits);
  if (!result.ok) {
    const failure = { ...result.failure, message: scrubText(result.failure.message, upstream.scrubber) };
    audit({ upstream: upstream.name, status: failure.status, durationMs: performance.now() - forwardStart, cost });
    return sendFailure(reply, failure, streamed && hasBody, answer.decision_id);
  }

  const outHeaders = agentResponseHeaders(result.headers);
  const decoded = decoderFor(outHeaders['content-encoding'], upstream.name);
  if ('code' in decoded) {
    // Destroying the body makes undici emit an abort error: listen so it is not uncaught.
    result.body.once('error', () => {}).destroy();
    audit({ upstream: upstream.name, status: decoded.status, durationMs: performance.now() - forwardStart, cost });
    return sendFailure(reply, decoded, false, answer.decision_id);
  }
  if (decoded.decoder) {
    delete outHeaders['content-encoding'];
    delete outHeaders['content-length'];
  }
  for (const [name, value] of Object.entries(outHeaders)) {
    outHeaders[name] = Array.isArray(value) ? value.map((v) => scrubText(v, upstream.scrubber)) : scrubText(value, upstream.scrubber);
  }
  const location = outHeaders['location'];
  if (typeof location === 'string') outHeaders['location'] = rewriteLocation(location, built.url, upstream.base, `${ctx.prefix}/${upstream.name}`, queryParam);
  for (const [name, value] of Object.entries(answer.headers)) {
    const lower = name.toLowerCase();
    if (lower.startsWith('ratelimit') && outHeaders[lower] === undefined) outHeaders[lower] = value;
  }
  outHeaders['x-leash-decision-id'] = answer.decision_id;

  // pipeline() tears every stage down together: an upstream that stalls or resets mid-body
  // cuts the agent's response off instead of leaving it hanging.
  const stages: NodeJS.ReadWriteStream[] = decoded.decoder ? [decoded.decoder, scrubStream(upstream.scrubber)] : [scrubStream(upstream.scrubber)];
  const out = (pipeline as unknown as (...streams: unknown[]) => Readable)(result.body, ...stages, (error: Error | null | undefined) => {
    if (error && !abort.signal.aborted) {
      request.log.warn({ upstream: upstream.name, reason: describeFailure(error, upstream.name, ctx.limits).message }, 'proxied response cut off');
    }
  });
  reply.raw.once('close', () => audit({ upstream: upstream.name, status: result.status, durationMs: performance.now() - forwardStart, cost }));
  return reply.code(result.status).headers(outHeaders).send(out);
}

/** The call's cost for the audit: the largest cost among the buckets it consumed (a budget's amount, else 1). */
function callCost(answer: DecisionAnswer): number {
  return answer.limits.reduce((max, limit) => Math.max(max, limit.cost), 0);
}

function contentLength(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function thumbprint(ctx: ProxyContext, headers: FastifyRequest['headers']): { certThumbprint?: string } {
  if (ctx.certThumbprintHeader === undefined) return {};
  const value = headerText(headers[ctx.certThumbprintHeader.toLowerCase()]);
  return value === undefined ? {} : { certThumbprint: value };
}

function sendFailure(reply: FastifyReply, failure: ProxyFailure, closeConnection: boolean, decisionId?: string): FastifyReply {
  // A body the proxy did not read must not be read as the next request on this connection.
  if (closeConnection) reply.header('connection', 'close');
  const body = decisionId === undefined ? { code: failure.code, message: failure.message } : { code: failure.code, message: failure.message, decision_id: decisionId };
  return reply.code(failure.status).header('content-type', 'application/json; charset=utf-8').send(body);
}

const DENIAL_DEFAULTS: Readonly<Record<number, { readonly code: string; readonly message: string }>> = {
  401: { code: 'bad_token', message: 'the agent token is missing or invalid' },
  403: { code: 'denied', message: 'the policy denied this call' },
  429: { code: 'rate_limited', message: 'a limit or budget for this call is exhausted' },
  503: { code: 'store_unavailable', message: 'the limit store is unavailable; denied fail-closed' },
};

function sendDenial(reply: FastifyReply, answer: DecisionAnswer, closeConnection: boolean): FastifyReply {
  if (closeConnection) reply.header('connection', 'close');
  // An `allow: true` answer with a non-200 status is still a denial; never forward it.
  const status = answer.status === 200 ? 403 : answer.status;
  const defaults = DENIAL_DEFAULTS[status] ?? { code: 'denied', message: 'the call was denied' };
  return reply
    .code(status)
    .headers(answer.headers)
    .header('x-leash-decision-id', answer.decision_id)
    .header('content-type', 'application/json; charset=utf-8')
    .send({
      code: answer.code ?? defaults.code,
      message: answer.reasons.length > 0 ? answer.reasons.join('; ') : defaults.message,
      reasons: answer.reasons,
      decision_id: answer.decision_id,
    });
}
