// The stdout sink: one JSON event per line on a writable stream (process.stdout by
// default), waiting for 'drain' when the stream pushes back.
import type { Writable } from 'node:stream';
import { jsonLines } from '../event.ts';
import type { AuditSink } from '../sink.ts';

export function createStdoutSink(stream: Writable = process.stdout): AuditSink {
  return {
    name: 'stdout',
    async write(events) {
      const ok = stream.write(jsonLines(events));
      if (!ok) await new Promise<void>((resolve) => stream.once('drain', resolve));
    },
    async close() {},
  };
}
