// `leash init [dir]`: scaffolds a policy repository in dir (default .): package.json, an
// example policy with its tests under policies/, a GitHub Actions workflow, README.md,
// tsconfig.json and .gitignore (templates in cli/scaffold/). It never overwrites: when any
// file it would write exists it writes nothing and exits 2. A package.json already there
// (say from `npm install -D leash-*.tgz`) is kept as it is and not written.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { scaffoldFiles } from '../scaffold/index.ts';
import type { CommandIo } from './build.ts';

const LEASH_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** A valid npm package name from a folder name (lowercase, url-safe), or a default. */
function packageName(dir: string): string {
  const name = basename(dir).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+|-+$/g, '');
  return name.length > 0 && name.length <= 214 ? name : 'leash-policies';
}

function readManifest(file: string): { type?: string } | string {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'is not a JSON object';
    const type = (parsed as { type?: unknown }).type;
    return typeof type === 'string' ? { type } : {};
  } catch (e) {
    return `cannot be read: ${(e as Error).message.split('\n')[0]}`;
  }
}

/** Runs the command; returns the exit code (0 written, 2 refused: nothing written). */
export function runInit(dir: string | undefined, io: CommandIo): number {
  const target = resolve(dir ?? '.');
  const shown = dir ?? '.';
  if (existsSync(target) && !statSync(target).isDirectory()) {
    io.err(`leash init: ${shown} is not a folder`);
    return 2;
  }
  const manifestPath = join(target, 'package.json');
  let existingPackage: { type?: string } | undefined;
  if (existsSync(manifestPath)) {
    const m = readManifest(manifestPath);
    if (typeof m === 'string') {
      io.err(`leash init: ${join(shown, 'package.json')} ${m}`);
      return 2;
    }
    existingPackage = m;
  }
  const files = scaffoldFiles({ name: packageName(target), leashVersion: LEASH_VERSION, ...(existingPackage ? { existingPackage } : {}) });
  const present = files.filter((f) => existsSync(join(target, f.path))).map((f) => f.path);
  if (present.length > 0) {
    io.err(`leash init: ${shown} already has ${present.join(', ')}; nothing written (init never overwrites: use an empty folder or move them away)`);
    return 2;
  }
  for (const f of files) {
    const at = join(target, f.path);
    mkdirSync(dirname(at), { recursive: true });
    writeFileSync(at, f.text, { flag: 'wx' });
  }
  const where = relative(process.cwd(), target) || '.';
  io.out(`leash init: wrote ${files.map((f) => join(where, f.path)).join(', ')}`);
  if (existingPackage) {
    io.out(`kept the existing ${join(where, 'package.json')}${existingPackage.type !== 'module' ? ` (it does not say "type": "module", so ${join(where, 'policies/package.json')} makes policies/ ES modules)` : ''}; add "check": "leash check policies" and "test": "leash test policies" to its scripts for npm run check / npm test`);
  }
  const cd = where === '.' ? '' : `cd ${where} && `;
  const install = existingPackage ? '' : '  (first install leash: it is not on the npm registry, README.md says how)';
  io.out(`next: ${cd}npx leash check policies && npx leash test policies${install}`);
  return 0;
}

export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('scaffold a policy repository (example policy and tests, CI workflow); never overwrites')
    .argument('[dir]', 'the folder to write into (default: the current one; created if missing)')
    .action((dir: string | undefined) => {
      process.exitCode = runInit(dir, { out: (t) => console.log(t), err: (t) => console.error(t) });
    });
}
