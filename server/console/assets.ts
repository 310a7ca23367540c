// The console page and its bundled script and stylesheet, built by server/console/build.ts
// into server/console/dist (at `npm ci`/`npm pack` time; nothing is fetched from a CDN).
// Only the files the build wrote are served, by exact name, from memory.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

export const DIST_DIR = fileURLToPath(new URL('./dist/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export const ASSET_NAMES = ['index.html', 'app.js', 'app.css', 'favicon.svg'] as const;

function load(): Map<string, Buffer> | undefined {
  const files = new Map<string, Buffer>();
  for (const name of ASSET_NAMES) {
    const path = `${DIST_DIR}${name}`;
    if (!existsSync(path)) return undefined;
    files.set(name, readFileSync(path));
  }
  return files;
}

export async function serveAssets(app: FastifyInstance): Promise<void> {
  const files = load();
  const send = (name: string) => async (_req: unknown, reply: import('fastify').FastifyReply) => {
    if (!files) return reply.code(503).send({ code: 'console_not_built', message: 'the console assets are not built: run `npm run build:console`' });
    const body = files.get(name)!;
    const ext = name.slice(name.lastIndexOf('.'));
    // the page is small and always revalidated; a new build changes the asset bytes
    return reply.header('content-type', TYPES[ext] ?? 'application/octet-stream').header('cache-control', 'no-cache').send(body);
  };
  app.get('/console', async (_req, reply) => reply.redirect('/console/', 302));
  app.get('/console/', send('index.html'));
  for (const name of ASSET_NAMES) if (name !== 'index.html') app.get(`/console/assets/${name}`, send(name));
}
