// OPA bundles: a reproducible .tar.gz writer and a reader (the server loads bundles with it).
export { writeBundle, bundleFiles, canonicalJson, WASM_PATH, type BundleInput, type Manifest } from './write.ts';
export { readBundle, type Bundle } from './read.ts';
