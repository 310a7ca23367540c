// A module loader hook, registered after tsx so it runs first: binaryen's 13 MB ES module
// is plain JavaScript that Node loads as it is, but tsx would re-scan it for dynamic
// imports on every start (about 6 s of the CLI's start-up). Everything else goes on to tsx.
import { readFile } from 'node:fs/promises';

const PLAIN_ESM = /\/node_modules\/binaryen\/[^/]+\.js$/;

export async function load(url, context, nextLoad) {
  if (url.startsWith('file:') && PLAIN_ESM.test(url)) {
    return { format: 'module', source: await readFile(new URL(url)), shortCircuit: true };
  }
  return nextLoad(url, context);
}
