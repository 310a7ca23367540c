// The Fastify plugin the server registers: `ANY /proxy/{upstream}/{path...}`. It keeps its
// own encapsulated context so the server's JSON body parser never touches proxied bodies:
// the handler reads (or streams) the raw request itself.
import type { FastifyInstance } from 'fastify';
import { Agent, type Dispatcher } from 'undici';
import type { DecisionObserver, DecisionService } from '../contracts.ts';
import { handleProxyCall } from './handle.ts';
import type { UpstreamRegistry } from './registry.ts';
import { DEFAULT_PROXY_LIMITS, type ProxyLimits } from './types.ts';

export interface ProxyPluginOptions {
  readonly decisions: DecisionService;
  readonly observer?: DecisionObserver;
  readonly registry: UpstreamRegistry;
  readonly limits?: Partial<ProxyLimits>;
  /** where the routes live; default `/proxy` */
  readonly prefix?: string;
  readonly certThumbprintHeader?: string;
  /** called before each call: lets the registry follow bundle reloads */
  readonly refresh?: () => void;
  /** the undici dispatcher to forward with; default a dedicated Agent closed with the app */
  readonly dispatcher?: Dispatcher;
}

export async function proxyPlugin(app: FastifyInstance, options: ProxyPluginOptions): Promise<void> {
  const limits: ProxyLimits = { ...DEFAULT_PROXY_LIMITS, ...options.limits };
  const prefix = (options.prefix ?? '/proxy').replace(/\/+$/, '');
  const own = options.dispatcher === undefined;
  const dispatcher =
    options.dispatcher ??
    new Agent({ connect: { timeout: limits.connectTimeoutMs }, headersTimeout: limits.headersTimeoutMs, bodyTimeout: limits.bodyTimeoutMs });
  if (own) app.addHook('onClose', async () => dispatcher.close());

  // Leave every body unread: the handler decides between inspecting and streaming.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

  const ctx = {
    decisions: options.decisions,
    registry: options.registry,
    limits,
    dispatcher,
    prefix,
    ...(options.observer ? { observer: options.observer } : {}),
    ...(options.certThumbprintHeader ? { certThumbprintHeader: options.certThumbprintHeader } : {}),
    ...(options.refresh ? { refresh: options.refresh } : {}),
  };
  const handler = (request: Parameters<typeof handleProxyCall>[1], reply: Parameters<typeof handleProxyCall>[2]) => handleProxyCall(ctx, request, reply);
  app.all(`${prefix}/:upstream`, handler);
  app.all(`${prefix}/:upstream/*`, handler);
}
