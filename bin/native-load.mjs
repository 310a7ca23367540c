// A module loader hook, registered after tsx so it runs first, for two kinds of files:
//
// - binaryen's 13 MB ES module is plain JavaScript that Node loads as it is, but tsx would
//   re-scan it for dynamic imports on every start (about 6 s of the CLI's start-up);
// - Leash's own sources (cli/, compiler/, server/) are stripped of their types by esbuild
//   here, with tsx's options but without `keepNames`: that option wraps every function and
//   closure in a `__name()` call that runs each time the closure is made, about 5 % of the
//   server's CPU per decision (bench/RESULTS.md). Names stay as they are anyway, because
//   nothing is minified.
//
// Everything else goes on to tsx.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

const PLAIN_ESM = /\/node_modules\/binaryen\/[^/]+\.js$/;
const PACKAGE_ROOT = new URL('../', import.meta.url).href;
const OWN_TS = /^(?:cli|compiler|server)\/[^?#]*\.ts$/;
// what tsconfig.json says that changes the emitted JavaScript
const TSCONFIG = { compilerOptions: { target: 'ES2022', verbatimModuleSyntax: true } };

function ownSource(url) {
  if (!url.startsWith(PACKAGE_ROOT)) return false;
  const rel = url.slice(PACKAGE_ROOT.length);
  return OWN_TS.test(rel) && !rel.includes('node_modules/');
}

export async function load(url, context, nextLoad) {
  if (url.startsWith('file:') && PLAIN_ESM.test(url)) {
    return { format: 'module', source: await readFile(new URL(url)), shortCircuit: true };
  }
  if (ownSource(url)) {
    const path = fileURLToPath(url);
    const out = await transform(await readFile(path, 'utf8'), {
      loader: 'ts', format: 'esm', target: `node${process.versions.node}`, sourcefile: path,
      sourcemap: 'inline', sourcesContent: false, minifyWhitespace: true, tsconfigRaw: TSCONFIG,
    });
    return { format: 'module', source: out.code, shortCircuit: true };
  }
  return nextLoad(url, context);
}
