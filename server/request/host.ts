// The original host, when the gateway forwards it: lower-case, without a trailing dot and
// without the default port, so `API.Example.com.:443` and `api.example.com` are one host.
import { asciiLower, trimOws } from './ascii.ts';
import { refuse, type Refusal } from './options.ts';

export type HostResult = { readonly ok: true; readonly host: string | null } | { readonly ok: false; readonly refusal: Refusal };

const HOST = /^(\[[0-9a-f:.]+\]|[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*)(:(\d{1,5}))?$/;

export function canonicalHost(raw: string | undefined, scheme: string | undefined): HostResult {
  if (raw === undefined) return { ok: true, host: null };
  // ASCII case and blanks only: anything else is left for HOST to refuse
  let h = asciiLower(trimOws(raw));
  const m0 = /^(.*?)\.(:\d+)?$/.exec(h);
  if (m0 && !h.startsWith('[')) h = `${m0[1]}${m0[2] ?? ''}`;
  const m = HOST.exec(h);
  if (!m || h.length > 255) return refuse('invalid_host', 'the forwarded host is not a host name or address with an optional port');
  const name = m[1]!;
  const port = m[6];
  if (port === undefined) return { ok: true, host: name };
  const n = Number(port);
  if (n < 1 || n > 65535) return refuse('invalid_host', 'the forwarded host has a port out of range');
  const isDefault = scheme === 'http' ? n === 80 : scheme === 'https' ? n === 443 : n === 80 || n === 443;
  return { ok: true, host: isDefault ? name : `${name}:${n}` };
}
