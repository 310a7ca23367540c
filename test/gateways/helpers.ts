// Real gateways for the end-to-end tests: nginx and Caddy started from the configurations
// docs/gateways.md gives (ports and paths substituted), a backend that records what reaches
// it, and helpers to wait for ports and stop processes by pid.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';

export const has = (bin: string): boolean => spawnSync(bin, ['-v'], { stdio: 'ignore' }).error === undefined;

export async function freePort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export async function waitForPort(port: number, what: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (up) return;
    if (Date.now() > until) throw new Error(`${what} did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Seen { readonly method: string; readonly url: string; readonly headers: IncomingMessage['headers'] }

export interface Backend { readonly port: number; readonly seen: Seen[]; close(): Promise<void> }

/** The API behind the gateway: answers 200 and records every request it is reached by. */
export async function startBackend(): Promise<Backend> {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { port, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export interface Gateway { readonly port: number; readonly url: string; stop(): Promise<void>; output(): string }

function started(child: ChildProcess, port: number, what: string): Gateway & { ready: Promise<void> } {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    ready: waitForPort(port, what).catch((err: Error) => { throw new Error(`${err.message}\n${out}`); }),
    async stop() {
      if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
      if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    },
  };
}

/** The nginx recipe of docs/gateways.md, Leash at `leashPort`, the API at `backendPort`. */
export function nginxConfig(dir: string, port: number, leashPort: number, backendPort: number): string {
  for (const d of ['client', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, d), { recursive: true });
  return `
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/client;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream backend { server 127.0.0.1:${backendPort}; }
  server {
    listen 127.0.0.1:${port};

    location / {
        auth_request /_leash;
        auth_request_set $leash_agent    $upstream_http_x_leash_agent;
        auth_request_set $leash_session  $upstream_http_x_leash_session;
        auth_request_set $leash_decision $upstream_http_x_leash_decision_id;
        auth_request_set $leash_status   $upstream_status;
        auth_request_set $leash_retry    $upstream_http_retry_after;
        proxy_set_header X-Leash-Agent       $leash_agent;
        proxy_set_header X-Leash-Session     $leash_session;
        proxy_set_header X-Leash-Decision-Id $leash_decision;
        error_page 500 = @leash_failed;
        proxy_pass http://backend;
    }

    location = /_leash {
        internal;
        proxy_pass              http://127.0.0.1:${leashPort}/authz;
        proxy_pass_request_body off;
        proxy_set_header        Content-Length "";
        proxy_set_header        X-Original-Method $request_method;
        proxy_set_header        X-Original-URI    $request_uri;
        proxy_connect_timeout   250ms;
        proxy_read_timeout      500ms;
    }

    location @leash_failed {
        if ($leash_status = 429) {
            add_header Retry-After $leash_retry always;
            return 429;
        }
        if ($leash_status = 400) {
            return 400;
        }
        add_header Retry-After 1 always;
        return 503;
    }
  }
}
`;
}

export async function startNginx(dir: string, leashPort: number, backendPort: number): Promise<Gateway> {
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig(dir, port, leashPort, backendPort));
  const child = spawn('nginx', ['-p', dir, '-c', conf, '-g', 'daemon off; master_process on;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const g = started(child, port, 'nginx');
  await g.ready;
  return g;
}

/** The Caddy recipe of docs/gateways.md. */
export function caddyConfig(port: number, leashPort: number, backendPort: number): string {
  return `{
	admin off
	auto_https off
}

http://127.0.0.1:${port} {
	forward_auth 127.0.0.1:${leashPort} {
		uri /authz
		copy_headers X-Leash-Agent X-Leash-Session X-Leash-Decision-Id
	}
	reverse_proxy 127.0.0.1:${backendPort}

	handle_errors {
		@unreachable expression {err.status_code} == 502
		header @unreachable Retry-After 1
		respond @unreachable 503
	}
}
`;
}

export async function startCaddy(dir: string, leashPort: number, backendPort: number): Promise<Gateway> {
  const port = await freePort();
  const file = join(dir, 'Caddyfile');
  writeFileSync(file, caddyConfig(port, leashPort, backendPort));
  const env = { ...process.env, HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') };
  const child = spawn('caddy', ['run', '--config', file, '--adapter', 'caddyfile'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const g = started(child, port, 'caddy');
  await g.ready;
  return g;
}
