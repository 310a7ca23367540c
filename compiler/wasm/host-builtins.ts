// Builtins the wasm runtime does not implement natively, written in TypeScript and passed
// to the SDK (`loadPolicy(wasm, undefined, hostBuiltins)`); the SDK calls them through
// `opa_builtinN` with JSON-decoded arguments. Returning undefined means "undefined".
// `strictHostBuiltins` throws OPA-style errors instead (StrictBuiltinErrors).
import { hostBuiltinImpls, BuiltinFailure } from './host/index.ts';

export type HostBuiltin = (...args: unknown[]) => unknown;

function wrap(strict: boolean): Record<string, HostBuiltin> {
  const out: Record<string, HostBuiltin> = {};
  for (const [name, impl] of Object.entries(hostBuiltinImpls)) {
    out[name] = (...args: unknown[]): unknown => {
      try {
        return impl(...args);
      } catch (e) {
        if (e instanceof BuiltinFailure) {
          if (strict) throw new Error(`${e.code}: ${name}: ${e.message}`);
          return undefined;
        }
        throw e;
      }
    };
  }
  return out;
}

/** Non-strict (OPA's default): a builtin error makes the call undefined. */
export const hostBuiltins: Readonly<Record<string, HostBuiltin>> = wrap(false);
/** Strict: a builtin error aborts evaluation with `eval_type_error` / `eval_builtin_error`. */
export const strictHostBuiltins: Readonly<Record<string, HostBuiltin>> = wrap(true);

/** Builtins the SDK itself implements (its table wins over custom builtins). */
export const SDK_BUILTINS: readonly string[] = ['json.is_valid', 'regex.split', 'yaml.is_valid', 'yaml.marshal', 'yaml.unmarshal'];

export const HOST_BUILTIN_NAMES: ReadonlySet<string> = new Set([...Object.keys(hostBuiltinImpls), ...SDK_BUILTINS]);
