// Server-sent events between the gateway and both sides: each JSON-RPC message an MCP server
// streams is parsed (eventsource-parser), handed to the gateway to rewrite (a tools/list
// result is filtered, credentials scrubbed), and written on to the agent as one event.
import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** One SSE event as text: `id`, `event` and the data split into lines. */
export function sseEvent(data: string, options: { id?: string; event?: string } = {}): string {
  let out = '';
  if (options.id !== undefined) out += `id: ${options.id.replace(/[\r\n]/g, '')}\n`;
  if (options.event !== undefined) out += `event: ${options.event.replace(/[\r\n]/g, '')}\n`;
  for (const line of data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** Feeds text chunks; calls `onEvent` per complete event. Events over `maxBytes` are an error. */
export function sseReader(onEvent: (e: EventSourceMessage) => void, onError: (message: string) => void, maxBytes = 8 * 1_048_576) {
  const parser = createParser({
    onEvent,
    onRetry: () => undefined,
    onError: (err) => onError(err.message),
    maxBufferSize: maxBytes,
  });
  return { feed: (chunk: string) => parser.feed(chunk) };
}
