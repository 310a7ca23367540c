// The agent's request body, two ways. Policy-checked routes: read up to the inspect limit
// into memory, parse JSON or form-encoded for the policy, and forward the exact bytes.
// Streamed routes: the policy sees no body and the bytes pass through a counting stream,
// never held whole. Which way a route goes is the upstream's `streamRoutes`.
import { Transform, type Readable } from 'node:stream';
import { parseForm } from './form.ts';
import { findDuplicateKey } from './json-keys.ts';
import { proxyFailure, type ProxyFailure } from './errors.ts';

export type BodyRead = { readonly ok: true; readonly bytes: Buffer } | { readonly ok: false; readonly failure: ProxyFailure };

/** Reads the whole body, refusing more than `maxBytes` and pauses longer than `idleMs`. */
export function readBoundedBody(stream: Readable, maxBytes: number, idleMs: number): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (result: BodyRead): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stream.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (!result.ok) stream.pause();
      resolve(result);
    };
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => finish({ ok: false, failure: proxyFailure('request_body_timeout', `the request body stalled for more than ${idleMs} ms`) }), idleMs);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        finish({ ok: false, failure: tooLargeToInspect(maxBytes) });
        return;
      }
      chunks.push(chunk);
      arm();
    };
    const onEnd = (): void => finish({ ok: true, bytes: Buffer.concat(chunks, size) });
    const onError = (): void => finish({ ok: false, failure: proxyFailure('invalid_body', 'the request body was cut off') });
    const onClose = (): void => finish({ ok: false, failure: proxyFailure('invalid_body', 'the request body was cut off') });
    stream.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
    arm();
  });
}

export function tooLargeToInspect(maxBytes: number): ProxyFailure {
  return proxyFailure(
    'body_too_large',
    `the body is over the ${maxBytes}-byte inspect limit; the policy must see the body of this route, so it is refused (declare the route in the upstream's streamRoutes if its policy does not read the body)`,
  );
}

export type PolicyBody = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly failure: ProxyFailure };

/** The value the policy sees as `input.request.body`, parsed by content type. */
export function parsePolicyBody(bytes: Buffer, contentType: string | undefined): PolicyBody {
  if (bytes.length === 0) return { ok: true, value: null };
  const media = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const isJson = media === 'application/json' || (media.startsWith('application/') && media.endsWith('+json'));
  const isForm = media === 'application/x-www-form-urlencoded';
  if (!isJson && !isForm) {
    return {
      ok: false,
      failure: proxyFailure(
        'body_not_inspectable',
        `the policy must see this body but content-type "${media || '(none)'}" cannot be inspected; send application/json or application/x-www-form-urlencoded`,
      ),
    };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, failure: proxyFailure('invalid_body', 'the body is not valid UTF-8') };
  }
  if (isForm) {
    const form = parseForm(text);
    return form.ok ? { ok: true, value: form.value } : { ok: false, failure: proxyFailure('invalid_body', form.message) };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the input: give a fixed one.
    return { ok: false, failure: proxyFailure('invalid_body', 'the body is not valid JSON') };
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate !== undefined) {
    return { ok: false, failure: proxyFailure('invalid_body', `the JSON body repeats the key "${duplicate.slice(0, 60)}"; upstreams disagree on which one wins`) };
  }
  return { ok: true, value };
}

/** Marks an error raised by the counting stream, so the forwarder can answer 413 or 408. */
export class RequestBodyError extends Error {
  constructor(readonly failure: ProxyFailure) {
    super(failure.message);
    this.name = 'RequestBodyError';
  }
}

/** Passes a streamed body through, failing once it exceeds `maxBytes` or stalls `idleMs`. */
export function countingStream(maxBytes: number, idleMs: number): Transform {
  let size = 0;
  let timer: NodeJS.Timeout | undefined;
  const stream: Transform = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > maxBytes) {
        clearTimeout(timer);
        callback(new RequestBodyError(proxyFailure('body_too_large', `the body is over the ${maxBytes}-byte request limit`)));
        return;
      }
      arm();
      callback(null, chunk);
    },
    flush(callback) {
      clearTimeout(timer);
      callback();
    },
    destroy(error, callback) {
      clearTimeout(timer);
      callback(error);
    },
  });
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => stream.destroy(new RequestBodyError(proxyFailure('request_body_timeout', `the request body stalled for more than ${idleMs} ms`))), idleMs);
  };
  arm();
  return stream;
}
