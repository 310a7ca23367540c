// The MCP servers of the serving bundle (data.json `leash.mcp.<name>`, written by the DSL
// compiler from mcpServer(...)), with per-environment URL overrides (`mcp.serverUrls`).
// Cached per data object: a bundle reload brings a new one.
import { readCredential, readInjection } from '../proxy/metadata.ts';
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
    // the credential proxy's readers: the same references and injections, checked the same way
    const cred = raw['credential'] === null ? null : readCredential(raw['credential'], `leash.mcp.${name}.credential`);
    const inject = readInjection(raw['inject'], `leash.mcp.${name}.inject`);
    if (typeof cred === 'string' || typeof inject === 'string') continue;
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
