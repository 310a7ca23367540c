// Starts the decision server: builds the app, refuses to start without a loadable bundle
// file, listens, reloads the bundle on SIGHUP and closes cleanly on SIGINT/SIGTERM.
import type { FastifyInstance } from 'fastify';
import type { LeashConfig } from './config/index.ts';
import { adminServerOf, buildApp, type AppDeps } from './app.ts';

export interface StartedServer {
  readonly app: FastifyInstance;
  /** the base URL the server listens on */
  readonly url: string;
  /** the admin listener's base URL when server.adminPort is set (admin routes are only there) */
  readonly adminUrl?: string;
  close(): Promise<void>;
}

export class StartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartError';
  }
}

export async function startServer(config: LeashConfig, deps: AppDeps = {}, options: { handleSignals?: boolean } = {}): Promise<StartedServer> {
  const app = await buildApp(config, deps);
  const first = app.leash.engine.firstLoad;
  if (first.kind === 'failed' && config.bundle.path) {
    await app.close();
    throw new StartError(`cannot start: bundle ${config.bundle.path} did not load: ${first.reason}`);
  }
  try {
    await app.listen({ port: config.server.port, host: config.server.host });
  } catch (err) {
    await app.close();
    const code = (err as NodeJS.ErrnoException).code;
    throw new StartError(`cannot listen on ${config.server.host}:${config.server.port}${code ? ` (${code})` : ''}`);
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  let adminUrl: string | undefined;
  const admin = adminServerOf(app);
  if (admin && config.server.adminPort !== undefined) {
    const adminHost = config.server.adminHost ?? '127.0.0.1';
    try {
      await admin.listen({ port: config.server.adminPort, host: adminHost });
    } catch (err) {
      await app.close(); // closes the admin listener too
      const code = (err as NodeJS.ErrnoException).code;
      throw new StartError(`cannot listen for admin requests on ${adminHost}:${config.server.adminPort}${code ? ` (${code})` : ''}`);
    }
    const a = admin.server.address();
    adminUrl = `http://${adminHost.includes(':') ? `[${adminHost}]` : adminHost}:${typeof a === 'object' && a ? a.port : config.server.adminPort}`;
  }

  const onHup = () => void app.leash.engine.reload();
  const onStop = () => void app.close().then(() => process.exit(0));
  if (options.handleSignals) {
    process.on('SIGHUP', onHup);
    process.once('SIGINT', onStop);
    process.once('SIGTERM', onStop);
  }
  return {
    app,
    url: `http://${host}:${port}`,
    ...(adminUrl ? { adminUrl } : {}),
    async close() {
      process.off('SIGHUP', onHup);
      process.off('SIGINT', onStop);
      process.off('SIGTERM', onStop);
      await app.close();
    },
  };
}
