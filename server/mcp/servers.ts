// The MCP servers of the serving bundle (data.json `leash.mcp.<name>`, written by the DSL
// compiler from mcpServer(...)), with per-environment URL overrides (`mcp.serverUrls`).
// Cached per data object: a bundle reload brings a new one.
import type { CredentialRef, Injection } from '../proxy/types.ts';

export interface McpServer {
  readonly name: string;
  readonly url: string;
  readonly credential: CredentialRef | null;
  readonly inject: Injection;
  readonly tools: readonly string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const cache = new WeakMap<object, Map<string, McpServer>>();

function injection(raw: unknown): Injection | null {
  if (!isObj(raw)) return null;
  switch (raw['type']) {
    case 'bearer': return { kind: 'bearer' };
    case 'basic': return typeof raw['username'] === 'string' ? { kind: 'basic', username: raw['username'] } : { kind: 'basic' };
    case 'header': return typeof raw['name'] === 'string' ? { kind: 'header', name: raw['name'].toLowerCase(), ...(typeof raw['prefix'] === 'string' ? { prefix: raw['prefix'] } : {}) } : null;
    case 'query': return typeof raw['name'] === 'string' ? { kind: 'query', name: raw['name'] } : null;
    default: return null;
  }
}

function credential(raw: unknown): CredentialRef | null | undefined {
  if (raw === null) return null;
  if (isObj(raw) && typeof raw['env'] === 'string') return { kind: 'env', name: raw['env'] };
  if (isObj(raw) && typeof raw['secret'] === 'string') return { kind: 'secret', name: raw['secret'] };
  return undefined;
}

/** The servers a bundle declares; a malformed entry is left out (the compiler never writes one). */
export function readMcpServers(data: unknown, urls: Readonly<Record<string, string>>): ReadonlyMap<string, McpServer> {
  if (!isObj(data)) return new Map();
  const hit = cache.get(data);
  if (hit) return hit;
  const out = new Map<string, McpServer>();
  const leash = data['leash'];
  const mcp = isObj(leash) ? leash['mcp'] : undefined;
  for (const [name, raw] of Object.entries(isObj(mcp) ? mcp : {})) {
    if (!isObj(raw) || typeof raw['url'] !== 'string') continue;
    const cred = credential(raw['credential']);
    const inject = injection(raw['inject']);
    if (cred === undefined || inject === null) continue;
    const tools = Array.isArray(raw['tools']) ? raw['tools'].filter((t): t is string => typeof t === 'string') : [];
    out.set(name, { name, url: urls[name] ?? raw['url'], credential: cred, inject, tools });
  }
  cache.set(data, out);
  return out;
}

/** `name=url` pairs into a map; problems name the entry. */
export function parseServerUrls(pairs: readonly string[]): { readonly urls: Record<string, string>; readonly errors: string[] } {
  const urls: Record<string, string> = {};
  const errors: string[] = [];
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    const url = pair.slice(eq + 1);
    let ok = eq > 0;
    try {
      const u = new URL(url);
      ok &&= u.protocol === 'https:' || u.protocol === 'http:';
    } catch {
      ok = false;
    }
    if (!ok) errors.push(`mcp.serverUrls: '${pair.replace(/\/\/[^@/]*@/, '//…@')}' is not name=http(s)://host/path`);
    else urls[name] = url;
  }
  return { urls, errors };
}
