// The remote bundle client the configuration asks for (bundle.url and the bundle.* service
// settings): poll delays, backoff cap, timeout, bearer token (bundle.token or the file
// bundle.tokenFile), mTLS files, persist folder. Files are read once at start; a missing one
// stops the start with a one-line reason that never includes the secret.
import { readFileSync } from 'node:fs';
import type { LeashConfig } from '../config/index.ts';
import { createRemoteClient, type RemoteClient } from './remote.ts';

export class RemoteConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RemoteConfigError';
  }
}

function readFile(field: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new RemoteConfigError(`${field} ${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

export function remoteClientFromConfig(config: LeashConfig): RemoteClient | undefined {
  const b = config.bundle;
  if (!b.url) return undefined;
  const min = b.minDelaySeconds ?? b.pollSeconds;
  const max = b.maxDelaySeconds ?? Math.max(min, b.minDelaySeconds === undefined ? b.pollSeconds : min * 2);
  const token = b.token ?? (b.tokenFile !== undefined ? readFile('bundle.tokenFile', b.tokenFile).trim() : undefined);
  if (token !== undefined && token === '') throw new RemoteConfigError(`bundle.tokenFile ${b.tokenFile}: is empty`);
  const tls = {
    ...(b.tlsCert !== undefined ? { cert: readFile('bundle.tlsCert', b.tlsCert) } : {}),
    ...(b.tlsKey !== undefined ? { key: readFile('bundle.tlsKey', b.tlsKey) } : {}),
    ...(b.tlsCa !== undefined ? { ca: readFile('bundle.tlsCa', b.tlsCa) } : {}),
  };
  return createRemoteClient({
    url: b.url,
    minDelayMs: min * 1000,
    maxDelayMs: Math.max(min, max) * 1000,
    maxBackoffMs: b.maxBackoffSeconds * 1000,
    timeoutMs: b.timeoutSeconds * 1000,
    ...(token !== undefined ? { token } : {}),
    ...(Object.keys(tls).length > 0 ? { tls } : {}),
    ...(b.persistDir !== '' ? { persistDir: b.persistDir } : {}),
  });
}
