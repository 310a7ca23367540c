// Reads upstream declarations from a bundle's data.json (`leash.upstreams.<name>`, written
// by the DSL compiler: name, baseUrl, credential {env}|{secret}, inject {type,...}, and the
// optional proxy fields sensitive and streamRoutes). Each problem names the field, so a
// hand-edited bundle fails with a message instead of an upstream that half works.
import { readStreamRoutesList } from './overrides.ts';
import type { CredentialRef, Injection, StreamRoute, UpstreamDeclaration } from './types.ts';

export interface DeclarationsRead {
  readonly declarations: readonly UpstreamDeclaration[];
  readonly problems: readonly string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The declarations under `data.leash.upstreams`; none when the bundle declares none. */
export function readUpstreamDeclarations(data: unknown): DeclarationsRead {
  const leash = isObj(data) ? data['leash'] : undefined;
  const upstreams = isObj(leash) ? leash['upstreams'] : undefined;
  if (upstreams === undefined) return { declarations: [], problems: [] };
  if (!isObj(upstreams)) return { declarations: [], problems: ['data.json leash.upstreams must be an object keyed by upstream name'] };
  const declarations: UpstreamDeclaration[] = [];
  const problems: string[] = [];
  for (const [name, raw] of Object.entries(upstreams)) {
    const read = readDeclaration(name, raw, `data.json leash.upstreams.${name}`);
    if (typeof read === 'string') problems.push(read);
    else declarations.push(read);
  }
  return { declarations, problems };
}

/** One declaration; a string is the problem. Also used for upstreams declared in the config. */
export function readDeclaration(name: string, raw: unknown, where: string): UpstreamDeclaration | string {
  if (!isObj(raw)) return `${where} must be an object`;
  if (raw['name'] !== undefined && raw['name'] !== name) return `${where}.name is "${String(raw['name'])}" but the key is "${name}"`;
  const baseUrl = raw['baseUrl'];
  if (typeof baseUrl !== 'string') return `${where}.baseUrl must be a URL string`;
  const credential = readCredential(raw['credential'], `${where}.credential`);
  if (typeof credential === 'string') return credential;
  const inject = readInjection(raw['inject'], `${where}.inject`);
  if (typeof inject === 'string') return inject;
  const sensitive = raw['sensitive'] ?? raw['movesMoney'] ?? false;
  if (typeof sensitive !== 'boolean') return `${where}.sensitive must be true or false`;
  const streamRoutes = readStreamRoutes(raw['streamRoutes'] ?? [], `${where}.streamRoutes`);
  if (typeof streamRoutes === 'string') return streamRoutes;
  return { name, baseUrl, credential, inject, sensitive, streamRoutes };
}

/** A credential reference, or the problem (also read for the MCP gateway's servers). */
export function readCredential(raw: unknown, where: string): CredentialRef | string {
  if (!isObj(raw)) return `${where} must be { env: NAME } or { secret: NAME }`;
  if (typeof raw['env'] === 'string' && raw['env'] !== '') return { kind: 'env', name: raw['env'] };
  if (typeof raw['secret'] === 'string' && raw['secret'] !== '') return { kind: 'secret', name: raw['secret'] };
  return `${where} must be { env: NAME } or { secret: NAME }`;
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** How a credential is put on a request, or the problem (also read for the MCP gateway's servers). */
export function readInjection(raw: unknown, where: string): Injection | string {
  if (!isObj(raw)) return `${where} must be an object with a type`;
  const type = raw['type'] ?? raw['kind'];
  switch (type) {
    case 'bearer':
      return { kind: 'bearer' };
    case 'basic': {
      const username = raw['username'];
      if (username === undefined) return { kind: 'basic' };
      if (typeof username !== 'string' || username.includes(':')) return `${where}.username must be a string without ':'`;
      return { kind: 'basic', username };
    }
    case 'header': {
      const name = raw['name'];
      if (typeof name !== 'string' || !HEADER_NAME.test(name)) return `${where}.name must be an HTTP header name`;
      const lower = name.toLowerCase();
      if (lower === 'host' || lower === 'cookie' || lower === 'content-length' || lower === 'transfer-encoding') return `${where}.name cannot be ${name}`;
      const prefix = raw['prefix'];
      if (prefix !== undefined && typeof prefix !== 'string') return `${where}.prefix must be a string`;
      return prefix === undefined ? { kind: 'header', name: lower } : { kind: 'header', name: lower, prefix };
    }
    case 'query': {
      const name = raw['name'];
      if (typeof name !== 'string' || name === '') return `${where}.name must be a query parameter name`;
      return { kind: 'query', name };
    }
    default:
      return `${where}.type must be bearer, basic, header or query`;
  }
}

function readStreamRoutes(raw: unknown, where: string): StreamRoute[] | string {
  if (!Array.isArray(raw) || !raw.every((item) => typeof item === 'string')) return `${where} must be a list of "METHOD /path-prefix" strings`;
  return readStreamRoutesList(raw as string[], where);
}

/** True when the method and upstream-relative path fall under a streamed route. */
export function isStreamRoute(routes: readonly StreamRoute[], method: string, path: string): boolean {
  return routes.some((r) => (r.method === '*' || r.method === method) && (path === r.pathPrefix || path.startsWith(r.pathPrefix.endsWith('/') ? r.pathPrefix : `${r.pathPrefix}/`)));
}
