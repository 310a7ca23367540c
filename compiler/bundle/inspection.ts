// What a bundle holds, read from the archive itself (never from a source tree): revision,
// roots, entrypoints, the policies with their resources, reads and limits, the proxy's
// upstreams, every file with its SHA-256, and whether it carries a signature. Shared by
// `leash inspect` and the operator console's policy view.
import type { Bundle } from './read.ts';

export interface LimitView { readonly id: string; readonly scope: string; readonly max: number; readonly window: string; readonly cost: number | 'computed' }
export interface ResourceView {
  readonly policy: string; readonly route: string; readonly upstream: string | null; readonly template: string; readonly methods: readonly string[]; readonly rules: readonly string[]; readonly reads: readonly string[];
  /** absent in bundles built before limits were listed */
  readonly limits?: { readonly read: readonly LimitView[]; readonly write: readonly LimitView[] };
}

export interface Inspection {
  readonly revision: string | null;
  readonly roots: readonly string[];
  readonly entrypoints: readonly string[];
  readonly regoVersion: number | null;
  readonly policies: readonly { readonly name: string; readonly resources: readonly ResourceView[] }[];
  readonly upstreams: readonly string[];
  readonly files: Bundle['files'];
  readonly signature: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function inspectBundle(bundle: Bundle): Inspection {
  const leash = isRecord(bundle.data['leash']) ? bundle.data['leash'] : {};
  const resources = isRecord(leash['resources']) ? (Object.values(leash['resources']) as ResourceView[]) : [];
  const byPolicy = new Map<string, ResourceView[]>();
  for (const r of resources) byPolicy.set(r.policy, [...(byPolicy.get(r.policy) ?? []), r]);
  const signed = bundle.files.some((f) => f.path === '.signatures.json');
  return {
    revision: bundle.manifest?.revision ?? null,
    roots: bundle.manifest?.roots ?? [],
    entrypoints: (bundle.manifest?.wasm ?? []).map((w) => w.entrypoint),
    regoVersion: bundle.manifest?.rego_version ?? null,
    policies: [...byPolicy].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, rs]) => ({ name, resources: rs })),
    upstreams: isRecord(leash['upstreams']) ? Object.keys(leash['upstreams']).sort() : [],
    files: bundle.files,
    // without a verification key only presence is told; runInspect verifies when given one
    signature: signed ? 'signed (.signatures.json present; not verified by this command)' : 'unsigned (no .signatures.json)',
  };
}
