// OPA bundles: a reproducible .tar.gz writer and a reader (the server loads bundles with it),
// and OPA-format signatures (.signatures.json) over the bundle's files.
export { writeBundle, bundleFiles, packBundleFiles, canonicalJson, WASM_PATH, type BundleInput, type Manifest } from './write.ts';
export { readBundle, readBundleFiles, bundleFromFiles, type Bundle } from './read.ts';
export {
  sign, verify, signBundle, verifyBundle, archiveFiles, hashBundleFile, canonicalForHash, isStructuredFile,
  parseSigningKey, parseVerificationKey, verifiedSummary, isSigningAlg, SignatureError,
  SIGNATURES_PATH, SIGNING_ALGS, DEFAULT_SIGNING_ALG, DEFAULT_KEY_ID,
  type BundleFile, type BundleKey, type SignOptions, type VerifyOptions, type VerifyResult, type SigningAlg, type SignatureProblemCode,
} from './signatures.ts';
export { inspectBundle, type Inspection, type LimitView, type ResourceView } from './inspection.ts';
