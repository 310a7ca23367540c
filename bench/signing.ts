// Bundle signing and verification on the example bundle (policies/): time to sign (hash
// every file + one JWS) and to verify (JWS + every hash) per algorithm, median of N runs
// with min–max, in process. Writes the `signing` section of bench/RESULTS.md.
// Usage: node --import ./bin/register.mjs bench/signing.ts [--quick] [--runs N]
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { compile } from '../compiler/pipeline.ts';
import { archiveFiles, parseSigningKey, parseVerificationKey, readBundleFiles, sign, signBundle, verify, verifyBundle, type SigningAlg } from '../compiler/bundle/index.ts';
import { writeSection } from './lib/results.ts';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, runs: { type: 'string' } } });
const RUNS = values.runs ? Number(values.runs) : values.quick ? 50 : 300;

const built = await compile(['policies']);
if (!built.bundle) throw new Error('policies/ did not build');
const bytes = built.bundle;
const files = await archiveFiles(bytes);

function keysFor(alg: SigningAlg): { priv: Buffer; pub: Buffer } {
  if (alg === 'HS256') {
    const s = Buffer.from(randomBytes(32).toString('hex'));
    return { priv: s, pub: s };
  }
  const pair = alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  return { priv: Buffer.from(pair.privateKey.export({ type: 'pkcs8', format: 'pem' })), pub: Buffer.from(pair.publicKey.export({ type: 'spki', format: 'pem' })) };
}

async function time(n: number, f: () => Promise<unknown>): Promise<{ median: number; min: number; max: number }> {
  for (let i = 0; i < Math.min(20, n); i++) await f(); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await f();
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[Math.floor(ms.length / 2)]!, min: ms[0]!, max: ms[ms.length - 1]! };
}

const fmt = (r: { median: number; min: number; max: number }) => `${r.median.toFixed(3)} (${r.min.toFixed(3)}–${r.max.toFixed(3)})`;
const rows: string[] = [];
for (const alg of ['RS256', 'ES256', 'EdDSA', 'HS256'] as const) {
  const k = keysFor(alg);
  const signingKey = parseSigningKey(k.priv, alg, 'bench', 'bench');
  const verificationKey = parseVerificationKey(k.pub, alg, 'bench', 'bench');
  const signedBytes = await signBundle(bytes, { key: signingKey });
  const signedFiles = await archiveFiles(signedBytes);
  const ok = await verify(signedFiles, { keys: [verificationKey] });
  if (!ok.ok) throw new Error(`${alg}: ${ok.problem}`);
  const s = await time(RUNS, () => sign(files, { key: signingKey }));
  const v = await time(RUNS, () => verify(signedFiles, { keys: [verificationKey] }));
  const sa = await time(RUNS, () => signBundle(bytes, { key: signingKey }));
  const va = await time(RUNS, () => verifyBundle(signedBytes, { keys: [verificationKey] }));
  rows.push(`| ${alg} | ${fmt(s)} | ${fmt(v)} | ${fmt(sa)} | ${fmt(va)} |`);
  console.log(rows.at(-1));
}
const untar = await time(RUNS, () => readBundleFiles(bytes));

const c = cpus();
const markdown = [
  '## Bundle signing and verification',
  '',
  `Run ${new Date().toISOString()} on ${c.length} cores (${c[0]?.model.trim() ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${platform()} ${release()} ${arch()}; load average ${loadavg().map((l) => l.toFixed(2)).join(' / ')} at the end (shared machine: figures are upper bounds).`,
  `Command: \`node --import ./bin/register.mjs bench/signing.ts${values.quick ? ' --quick' : ''}${values.runs ? ` --runs ${values.runs}` : ''}\`. The example bundle (\`policies/\`, ${files.length} files, ${bytes.length.toLocaleString('en')} bytes .tar.gz, policy.wasm ${(files.find((f) => f.path === '/policy.wasm')?.bytes.length ?? 0).toLocaleString('en')} bytes), keys generated per run (RSA 2048, P-256, Ed25519, a 64-byte HMAC secret). Milliseconds, median of ${RUNS} runs after a warm-up (min–max). "files" columns are compiler/bundle/signatures.ts \`sign\`/\`verify\` over the unpacked files (hash every file, canonical JSON for data.json and .manifest, one JWS); "archive" columns add gunzip + untar (and for signing the repack + gzip -9), i.e. what \`leash sign\` and a server reload pay.`,
  '',
  '| alg | sign, files (ms) | verify, files (ms) | sign, archive (ms) | verify, archive (ms) |',
  '| --- | --- | --- | --- | --- |',
  ...rows,
  '',
  `For scale: unpacking the archive alone (\`readBundleFiles\`) takes ${fmt(untar)} ms.`,
].join('\n');
writeSection({ name: 'signing', markdown });
console.log(markdown);
