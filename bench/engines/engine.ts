// What the engine comparison needs from each policy engine: a synchronous allow/deny on
// the server's PolicyInput (each engine converts the input itself, inside the timed call).
import type { PolicyInput } from '../../compiler/index.ts';

export interface Engine {
  readonly name: string;
  /** human-readable: engine, version, API used */
  readonly label: string;
  decide(input: PolicyInput): boolean;
}

/** An engine that could not be set up (a component not landed yet, a load failure). */
export interface Unavailable {
  readonly name: string;
  readonly reason: string;
}

export type EngineSetup = { readonly ok: true; readonly engine: Engine } | { readonly ok: false; readonly missing: Unavailable };
