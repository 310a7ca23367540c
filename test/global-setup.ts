// Vitest global setup: builds the wasm runtime (compiler/wasm/runtime/build/runtime.wasm)
// once per run when it is missing or older than its sources.
import { buildRuntime, runtimeBuildIsStale } from '../compiler/wasm/runtime/build.ts';

export default async function setup(): Promise<void> {
  if (runtimeBuildIsStale()) await buildRuntime();
}
