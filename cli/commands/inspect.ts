// `leash inspect BUNDLE`: what a bundle holds, read from the archive itself (not from any
// source tree): manifest revision, roots and wasm entrypoints, the policies with their
// resources, what each reads and the limits it counts against, the credential-proxy
// upstreams, every file with its size and SHA-256, and whether it is signed. `--format json` for scripts.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { bundleFromFiles, inspectBundle, type Inspection, type LimitView, readBundleFiles, SignatureError, verifiedSummary, verify, type VerifyOptions } from '../../compiler/bundle/index.ts';
import { guarded, type CommandIo } from './build.ts';
import { verificationOptions, type VerificationFlags } from './sign.ts';

export { inspectBundle, type Inspection } from '../../compiler/bundle/index.ts';

export interface InspectOptions extends VerificationFlags {
  readonly format?: 'pretty' | 'json';
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
