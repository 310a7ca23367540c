// `leash inspect BUNDLE`: what a bundle holds, read from the archive itself (not from any
// source tree): manifest revision, roots and wasm entrypoints, the policies with their
// resources, what each reads and the limits it counts against, the credential-proxy
// upstreams, every file with its size and SHA-256, and whether it is signed. `--format json` for scripts.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { readBundle, type Bundle } from '../../compiler/index.ts';
import { guarded, type CommandIo } from './build.ts';

export interface InspectOptions {
  readonly format?: 'pretty' | 'json';
}

interface LimitView { readonly id: string; readonly scope: string; readonly max: number; readonly window: string; readonly cost: number | 'computed' }
interface ResourceView {
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
    // verification arrives with signed bundles (issue 15); until then only presence is told
    signature: signed ? 'signed (.signatures.json present; not verified by this command)' : 'unsigned (no .signatures.json)',
  };
}

const limitText = (l: LimitView): string =>
  `${l.id} ${l.max}${l.cost === 1 ? '' : l.cost === 'computed' ? ' (cost from the request)' : ` (cost ${l.cost})`} per ${l.scope} ${l.window === 'session' ? 'lifetime' : `in ${l.window}`}`;

function pretty(i: Inspection): string[] {
  const out = [
    `revision:     ${i.revision ?? '(no manifest)'}`,
    `roots:        ${i.roots.join(', ') || '(none)'}`,
    `entrypoints:  ${i.entrypoints.join(', ') || '(no policy.wasm)'}`,
    `rego version: ${i.regoVersion ?? '(unset)'}`,
    `signature:    ${i.signature}`,
    `policies:     ${i.policies.length}`,
  ];
  for (const p of i.policies) {
    out.push(`  ${p.name}`);
    for (const r of p.resources) {
      out.push(`    ${r.route}: ${r.methods.join(',')} ${r.upstream ? `${r.upstream} ` : ''}${r.template}  rules ${r.rules.join(', ') || '(none)'}; reads ${r.reads.join(', ') || 'nothing'}`);
      for (const kind of ['read', 'write'] as const) {
        const ls = r.limits?.[kind] ?? [];
        if (ls.length > 0) out.push(`      ${kind} limits: ${ls.map(limitText).join('; ')}`);
      }
    }
  }
  out.push(`upstreams:    ${i.upstreams.join(', ') || '(none)'}`, 'files:');
  for (const f of i.files) out.push(`  ${f.sha256}  ${String(f.bytes).padStart(8)}  ${f.path}`);
  return out;
}

export async function runInspect(file: string, opts: InspectOptions, io: CommandIo): Promise<number> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    io.err(`leash inspect: cannot read ${file}`);
    return 2;
  }
  const inspection = inspectBundle(await readBundle(bytes));
  if (opts.format === 'json') io.out(JSON.stringify(inspection, null, 2));
  else for (const line of pretty(inspection)) io.out(line);
  return 0;
}

export function registerInspectCommand(program: Command): void {
  program
    .command('inspect')
    .description('what a bundle holds: revision, roots, entrypoints, policies, resources, files and hashes, signature')
    .argument('<bundle>', 'a bundle .tar.gz')
    .option('--format <format>', 'pretty or json', 'pretty')
    .action(async (file: string, opts: InspectOptions) => {
      process.exitCode = await guarded('inspect', () => runInspect(file, opts, { out: (t) => console.log(t), err: (t) => console.error(t) }));
    });
}
