// The native builtins the runtime implements: Rego builtin name → exported wasm function
// and arity. A builtin not listed here must be a host builtin (env.opa_builtinN).

export interface NativeBuiltin {
  /** Export name of the runtime function: (operands as value ptrs) -> value ptr, 0 = undefined/error. */
  readonly fn: string;
  readonly arity: number;
}

const table: Record<string, number> = {
  // comparison and arithmetic (operators use OPA's builtin names)
  equal: 2, neq: 2, lt: 2, lte: 2, gt: 2, gte: 2, plus: 2, minus: 2, mul: 2, div: 2, rem: 2,
  abs: 1, round: 1, ceil: 1, floor: 1, 'numbers.range': 2, 'numbers.range_step': 3,
  // aggregates
  count: 1, sum: 1, product: 1, max: 1, min: 1, sort: 1, all: 1, any: 1,
  // strings
  concat: 2, startswith: 2, endswith: 2, contains: 2, lower: 1, upper: 1, split: 2, 'strings.split_n': 3,
  trim: 2, trim_left: 2, trim_right: 2, trim_prefix: 2, trim_suffix: 2, trim_space: 1, replace: 3,
  'strings.replace_n': 2, substring: 3, indexof: 2, indexof_n: 2, 'strings.count': 2, 'strings.reverse': 1,
  'strings.any_prefix_match': 2, 'strings.any_suffix_match': 2,
  // objects, sets, arrays
  'object.get': 3, 'object.keys': 1, 'object.remove': 2, 'object.filter': 2, 'object.union': 2,
  'object.union_n': 1, 'object.subset': 2, 'json.filter': 2, 'json.remove': 2, and: 2, or: 2,
  intersection: 1, union: 1, 'array.concat': 2, 'array.slice': 3, 'array.reverse': 1, 'array.flatten': 1,
  // walk(x) returns every [path, value] pair of x as an array; codegen scans it
  walk: 1,
  // types and casts
  is_number: 1, is_string: 1, is_boolean: 1, is_array: 1, is_set: 1, is_object: 1, is_null: 1,
  type_name: 1, to_number: 1,
  // encodings
  'base64.encode': 1, 'base64.decode': 1, 'base64.is_valid': 1, 'base64url.encode': 1,
  'base64url.encode_no_pad': 1, 'base64url.decode': 1, 'hex.encode': 1, 'hex.decode': 1,
  'urlquery.encode': 1, 'urlquery.decode': 1, 'urlquery.encode_object': 1, 'urlquery.decode_object': 1,
  'json.marshal': 1, 'json.unmarshal': 1, 'json.is_valid': 1,
  // patterns
  sprintf: 2, format_int: 2,
  'glob.match': 3, 'regex.match': 2, re_match: 2, 'regex.is_valid': 1, 'regex.find_n': 3, 'regex.split': 2,
  'regex.replace': 3,
  // time (UTC only; time.now_ns needs the host's clock and is a host builtin)
  'time.parse_rfc3339_ns': 1, 'time.parse_duration_ns': 1, 'time.date': 1, 'time.clock': 1,
  'time.weekday': 1, 'time.add_date': 4, 'time.format': 1, 'time.diff': 2,
  // network, units, versions
  'net.cidr_contains': 2, 'net.cidr_is_valid': 1, 'net.cidr_intersects': 2, 'units.parse': 1, 'units.parse_bytes': 1, 'semver.is_valid': 1, 'semver.compare': 2,
  // hashes
  'crypto.md5': 1, 'crypto.sha1': 1, 'crypto.sha256': 1, 'crypto.sha512': 1, 'crypto.hmac.md5': 2,
  'crypto.hmac.sha1': 2, 'crypto.hmac.sha256': 2, 'crypto.hmac.sha512': 2, 'crypto.hmac.equal': 2,
  'io.jwt.decode': 1, 'graph.reachable': 2,
};

/** Rego name → native implementation. Export names are `builtin_` + the name with '.' → '_'. */
export const NATIVE_BUILTINS: Readonly<Record<string, NativeBuiltin>> = Object.freeze(
  Object.fromEntries(Object.entries(table).map(([name, arity]) => [name, { fn: `builtin_${name.replaceAll('.', '_')}`, arity }])),
);
