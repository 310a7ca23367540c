// Builds the console's static assets into server/console/dist: the page, one bundled
// script (the views with Preact and uPlot, minified by esbuild) and one stylesheet (ours and
// uPlot's). Run by `npm run build:console` and by npm's `prepare` (so `npm ci` and
// `npm pack` produce them); the server serves only these files (assets.ts).
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const ui = join(here, 'ui');
const dist = join(here, 'dist');
const require = createRequire(import.meta.url);

/** True when an asset is missing or older than a source file of the page. */
export function consoleBuildIsStale(): boolean {
  const outputs = ['app.js', 'app.css', 'index.html', 'favicon.svg'].map((f) => join(dist, f));
  if (!outputs.every((f) => existsSync(f))) return true;
  const built = Math.min(...outputs.map((f) => statSync(f).mtimeMs));
  const sources = readdirSync(ui, { recursive: true, encoding: 'utf8' }).map((f) => join(ui, f));
  sources.push(fileURLToPath(import.meta.url));
  return sources.some((f) => statSync(f).mtimeMs > built);
}

export async function buildConsole(): Promise<void> {
  mkdirSync(dist, { recursive: true });
  await build({
    entryPoints: [join(ui, 'main.tsx')],
    outfile: join(dist, 'app.js'),
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'warning',
  });
  const uplotCss = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  writeFileSync(join(dist, 'app.css'), `${uplotCss}\n${readFileSync(join(ui, 'style.css'), 'utf8')}`);
  copyFileSync(join(ui, 'index.html'), join(dist, 'index.html'));
  copyFileSync(join(ui, 'favicon.svg'), join(dist, 'favicon.svg'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildConsole();
  process.stdout.write(`console assets built into ${dist}\n`);
}
