// Arities of OPA's builtins, by name, for the planner: a call with one argument more
// than the arity is the old "output as last argument" form (`count(xs, n)`).
// Also says which names are builtins at all (an unknown name is a compile error).
export const BUILTIN_ARITY: Readonly<Record<string, number>> = {
  // operators
  equal: 2, neq: 2, lt: 2, lte: 2, gt: 2, gte: 2, plus: 2, minus: 2, mul: 2, div: 2, rem: 2, and: 2, or: 2,
  // numbers
  abs: 1, ceil: 1, floor: 1, round: 1, 'numbers.range': 2, 'numbers.range_step': 3, 'rand.intn': 2,
  // aggregates
  count: 1, sum: 1, product: 1, max: 1, min: 1, sort: 1, all: 1, any: 1,
  // arrays, sets, objects
  'array.concat': 2, 'array.slice': 3, 'array.reverse': 1, 'array.flatten': 1, intersection: 1, union: 1,
  'object.get': 3, 'object.keys': 1, 'object.remove': 2, 'object.filter': 2, 'object.union': 2,
  'object.union_n': 1, 'object.subset': 2, 'json.filter': 2, 'json.remove': 2, 'json.patch': 2,
  // strings
  concat: 2, contains: 2, endswith: 2, startswith: 2, format_int: 2, indexof: 2, indexof_n: 2, lower: 1,
  upper: 1, replace: 3, split: 2, sprintf: 2, substring: 3, trim: 2, trim_left: 2, trim_prefix: 2,
  trim_right: 2, trim_suffix: 2, trim_space: 1, 'strings.replace_n': 2, 'strings.reverse': 1,
  'strings.any_prefix_match': 2, 'strings.any_suffix_match': 2, 'strings.count': 2, 'strings.split_n': 3,
  'strings.render_template': 2,
  // types
  is_number: 1, is_string: 1, is_boolean: 1, is_array: 1, is_set: 1, is_object: 1, is_null: 1, type_name: 1,
  to_number: 1,
  // encoding
  'base64.encode': 1, 'base64.decode': 1, 'base64.is_valid': 1, 'base64url.encode': 1, 'base64url.decode': 1,
  'base64url.encode_no_pad': 1, 'hex.encode': 1, 'hex.decode': 1, 'json.marshal': 1, 'json.unmarshal': 1,
  'json.is_valid': 1, 'json.marshal_with_options': 2, 'yaml.marshal': 1, 'yaml.unmarshal': 1, 'yaml.is_valid': 1,
  'urlquery.encode': 1, 'urlquery.decode': 1, 'urlquery.encode_object': 1, 'urlquery.decode_object': 1,
  // regex and glob
  'regex.match': 2, 're_match': 2, 'regex.is_valid': 1, 'regex.split': 2, 'regex.find_n': 3,
  'regex.find_all_string_submatch_n': 3, 'regex.replace': 3, 'regex.template_match': 4, 'regex.globs_match': 2,
  'glob.match': 3, 'glob.quote_meta': 1,
  // time
  'time.now_ns': 0, 'time.parse_ns': 2, 'time.parse_rfc3339_ns': 1, 'time.parse_duration_ns': 1, 'time.date': 1,
  'time.clock': 1, 'time.weekday': 1, 'time.add_date': 4, 'time.diff': 2, 'time.format': 1,
  // net, units, semver, misc
  'net.cidr_contains': 2, 'net.cidr_intersects': 2, 'net.cidr_is_valid': 1, 'net.cidr_expand': 1,
  'net.cidr_contains_matches': 2, 'net.cidr_merge': 1, 'units.parse': 1, 'units.parse_bytes': 1,
  'semver.compare': 2, 'semver.is_valid': 1, walk: 1, 'uuid.rfc4122': 1, 'uuid.parse': 1,
  'crypto.md5': 1, 'crypto.sha1': 1, 'crypto.sha256': 1, 'crypto.hmac.sha256': 2, 'crypto.hmac.equal': 2,
  'bits.and': 2, 'bits.or': 2, 'bits.xor': 2, 'bits.negate': 1, 'bits.lsh': 2, 'bits.rsh': 2,
  'io.jwt.decode': 1, 'io.jwt.decode_verify': 2, 'http.send': 1, 'opa.runtime': 0, 'trace': 1,
  'internal.member_2': 2, 'internal.member_3': 3, print: -1,
  // deprecated names still accepted by OPA
  'set_diff': 2, 'cast_array': 1, 'cast_set': 1, 'cast_string': 1, 'cast_boolean': 1, 'cast_null': 1, 'cast_object': 1,
};
