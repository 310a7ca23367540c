// Small string utilities shared by builtins (not exported from the module).
import { lenOf, strPtr, opa_string, opa_array_with_cap, opa_array_append } from "./value";

// splitOn splits a string value on a byte; a leading separator is ignored ("/a/b").
export function splitOn(s: usize, sep: u8): usize {
  let p = strPtr(s), n = lenOf(s), out = opa_array_with_cap(4);
  let start: u32 = 0;
  if (n > 0 && load<u8>(p) == sep) start = 1;
  for (let i = start; i < n; i++) {
    if (load<u8>(p + i) == sep) { opa_array_append(out, opa_string(p + start, i - start)); start = i + 1; }
  }
  opa_array_append(out, opa_string(p + start, n - start));
  return out;
}

