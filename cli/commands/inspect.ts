// `leash inspect BUNDLE`: what a bundle holds, read from the archive itself (not from any
// source tree): manifest revision, roots and wasm entrypoints, the policies with their
// resources, what each reads and the limits it counts against, the credential-proxy
// upstreams, every file with its size and SHA-256, and whether it is signed. `--format json` for scripts.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Bundle } from '../../compiler/index.ts';
import { bundleFromFiles, readBundleFiles, SignatureError, verifiedSummary, verify, type VerifyOptions } from '../../compiler/bundle/index.ts';
import { guarded, type CommandIo } from './build.ts';
import { verificationOptions, type VerificationFlags } from './sign.ts';

export interface InspectOptions extends VerificationFlags {
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
    // without a verification key only presence is told; runInspect verifies when given one
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
  let verification: VerifyOptions | undefined;
  if (opts.verificationKey !== undefined) {
    try {
      verification = verificationOptions({ ...opts, verificationKey: opts.verificationKey });
    } catch (err) {
      if (err instanceof SignatureError) {
        io.err(`leash inspect: ${err.message}`);
        return 2;
      }
      throw err;
    }
  } else if (opts.verificationKeyId !== undefined || opts.signingAlg !== undefined || opts.scope !== undefined) {
    io.err('leash inspect: --verification-key-id, --signing-alg and --scope need --verification-key');
    return 2;
  }
  const files = await readBundleFiles(bytes);
  let inspection = inspectBundle(bundleFromFiles(files));
  let code = 0;
  if (verification) {
    const result = await verify([...files].map(([path, b]) => ({ path, bytes: b })), verification);
    // a failed verification is still an inspection, but the exit code says it failed
    if (!result.ok) code = 1;
    inspection = { ...inspection, signature: result.ok ? verifiedSummary(result) : `NOT VERIFIED: ${result.problem}` };
  }
  if (opts.format === 'json') io.out(JSON.stringify(inspection, null, 2));
  else for (const line of pretty(inspection)) io.out(line);
  return code;
}

export function registerInspectCommand(program: Command): void {
  program
    .command('inspect')
    .description('what a bundle holds: revision, roots, entrypoints, policies, resources, files and hashes, signature')
    .argument('<bundle>', 'a bundle .tar.gz')
    .option('--format <format>', 'pretty or json', 'pretty')
    .option('--verification-key <file>', 'verify the signature with this PEM public key (for HS256: a file holding the secret)')
    .option('--verification-key-id <id>', 'the key\'s id (default "default")')
    .option('--signing-alg <alg>', 'the algorithm the key verifies (default RS256)')
    .option('--scope <scope>', 'the scope the signature must carry (default: none)')
    .action(async (file: string, opts: InspectOptions) => {
      process.exitCode = await guarded('inspect', () => runInspect(file, opts, { out: (t) => console.log(t), err: (t) => console.error(t) }));
    });
}
