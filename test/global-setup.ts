// Vitest global setup: builds the wasm runtime (compiler/wasm/runtime/build/runtime.wasm)
// and the console's assets (server/console/dist) once per run when either is missing or
// older than its sources.
import { buildRuntime, runtimeBuildIsStale } from '../compiler/wasm/runtime/build.ts';
import { buildConsole, consoleBuildIsStale } from '../server/console/build.ts';

export default async function setup(): Promise<void> {
  if (runtimeBuildIsStale()) await buildRuntime();
  if (consoleBuildIsStale()) await buildConsole();
}
