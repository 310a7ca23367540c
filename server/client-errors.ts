// Requests Node's HTTP parser refuses before Fastify sees them (headers over the size limit,
// bytes that are not HTTP, a request that took too long to arrive) get the server's one error
// shape `{ code, message }` too, and the connection is closed: the parser cannot say where
// the next request would begin. Nothing of the request is echoed.
import type { Socket } from 'node:net';
import type { ErrorCode } from './errors.ts';

const STATUS_TEXT = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' } as const;

function answerOf(code: string | undefined): { status: keyof typeof STATUS_TEXT; code: ErrorCode; message: string } {
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, code: 'headers_too_large', message: 'the request headers are over the size limit' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, code: 'request_timeout', message: 'the request did not arrive in time' };
  return { status: 400, code: 'bad_request', message: 'the request is not valid HTTP' };
}

export function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  // nothing to answer on a connection the client already dropped
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const answer = answerOf(err.code);
  const body = JSON.stringify({ code: answer.code, message: answer.message });
  socket.end(`HTTP/1.1 ${answer.status} ${STATUS_TEXT[answer.status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
