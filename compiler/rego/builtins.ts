// OPA 1.x's builtin functions: name, arity, and coarse operand/result types for the static
// checks OPA's type checker makes. The checker uses it to reject unknown functions and
// wrong arities; the wasm planner uses it to decide native vs host builtins.
// Type letters: n number, s string, b boolean, z null, A array, S set, O object, * any;
// `ns` means number or string. Functions removed in Rego v1 (any, all, re_match, cast_*,
// set_diff, net.cidr_overlap) are absent, so using them is an undefined-function error.

export type TypeCode = string;

export interface BuiltinInfo {
  readonly name: string;
  /** number of operands (the optional output argument not counted); -1 = variadic */
  readonly arity: number;
  /** per-operand accepted types; absent = any */
  readonly args?: readonly TypeCode[];
  /** result type; absent = any */
  readonly result?: TypeCode;
  /** infix operators and internal helpers, never written as a call by users */
  readonly infix?: boolean;
}

type Row = readonly [arity: number, args?: string, result?: string];

// One row per builtin: `args` is a space-separated list of operand types.
const ROWS: Readonly<Record<string, Row>> = {
  // operators (OPA names)
  assign: [2], eq: [2], equal: [2, undefined, 'b'], neq: [2, undefined, 'b'],
  lt: [2, undefined, 'b'], lte: [2, undefined, 'b'], gt: [2, undefined, 'b'], gte: [2, undefined, 'b'],
  plus: [2, 'n n', 'n'], minus: [2, 'nS nS', 'nS'], mul: [2, 'n n', 'n'], div: [2, 'n n', 'n'], rem: [2, 'n n', 'n'],
  and: [2, 'S S', 'S'], or: [2, 'S S', 'S'],
  'internal.member_2': [2, undefined, 'b'], 'internal.member_3': [3, undefined, 'b'],
  'internal.print': [1], print: [-1], trace: [1, 's', 'b'],
  // numbers
  abs: [1, 'n', 'n'], ceil: [1, 'n', 'n'], floor: [1, 'n', 'n'], round: [1, 'n', 'n'],
  'numbers.range': [2, 'n n', 'A'], 'numbers.range_step': [3, 'n n n', 'A'], 'rand.intn': [2, 's n', 'n'],
  // aggregates
  count: [1, 'sASO', 'n'], sum: [1, 'AS', 'n'], product: [1, 'AS', 'n'], max: [1, 'AS'], min: [1, 'AS'],
  sort: [1, 'AS', 'A'],
  // arrays, sets, objects
  'array.concat': [2, 'A A', 'A'], 'array.slice': [3, 'A n n', 'A'], 'array.reverse': [1, 'A', 'A'], 'array.flatten': [1, 'A', 'A'],
  intersection: [1, 'S', 'S'], union: [1, 'S', 'S'],
  'object.get': [3, 'O *'], 'object.keys': [1, 'O', 'S'], 'object.remove': [2, 'O ASO', 'O'],
  'object.subset': [2, 'ASO ASO', 'b'], 'object.union': [2, 'O O', 'O'], 'object.union_n': [1, 'A', 'O'],
  'object.filter': [2, 'O ASO', 'O'], 'json.filter': [2, 'O AS'], 'json.remove': [2, 'O AS'], 'json.patch': [2, '* A'],
  // strings
  concat: [2, 's AS', 's'], contains: [2, 's s', 'b'], endswith: [2, 's s', 'b'], startswith: [2, 's s', 'b'],
  format_int: [2, 'n n', 's'], indexof: [2, 's s', 'n'], indexof_n: [2, 's s', 'A'], lower: [1, 's', 's'], upper: [1, 's', 's'],
  replace: [3, 's s s', 's'], split: [2, 's s', 'A'], sprintf: [2, 's A', 's'], substring: [3, 's n n', 's'],
  trim: [2, 's s', 's'], trim_left: [2, 's s', 's'], trim_prefix: [2, 's s', 's'], trim_right: [2, 's s', 's'],
  trim_suffix: [2, 's s', 's'], trim_space: [1, 's', 's'],
  'strings.any_prefix_match': [2, 'sAS sAS', 'b'], 'strings.any_suffix_match': [2, 'sAS sAS', 'b'],
  'strings.count': [2, 's s', 'n'], 'strings.render_template': [2, 's O', 's'], 'strings.replace_n': [2, 'O s', 's'],
  'strings.reverse': [1, 's', 's'], 'strings.split_n': [3, 's s n', 'A'],
  // regex and glob
  'regex.match': [2, 's s', 'b'], 'regex.is_valid': [1, '*', 'b'], 'regex.split': [2, 's s', 'A'],
  'regex.find_n': [3, 's s n', 'A'], 'regex.find_all_string_submatch_n': [3, 's s n', 'A'],
  'regex.globs_match': [2, 's s', 'b'], 'regex.template_match': [4, 's s s s', 'b'], 'regex.replace': [3, 's s s', 's'],
  'glob.match': [3, 's zA s', 'b'], 'glob.quote_meta': [1, 's', 's'],
  // types and conversions
  is_number: [1, '*', 'b'], is_string: [1, '*', 'b'], is_boolean: [1, '*', 'b'], is_array: [1, '*', 'b'],
  is_set: [1, '*', 'b'], is_object: [1, '*', 'b'], is_null: [1, '*', 'b'], type_name: [1, '*', 's'],
  to_number: [1, 'znsb', 'n'],
  // encodings
  'base64.encode': [1, 's', 's'], 'base64.decode': [1, 's', 's'], 'base64.is_valid': [1, 's', 'b'],
  'base64url.encode': [1, 's', 's'], 'base64url.encode_no_pad': [1, 's', 's'], 'base64url.decode': [1, 's', 's'],
  'urlquery.encode': [1, 's', 's'], 'urlquery.decode': [1, 's', 's'], 'urlquery.encode_object': [1, 'O', 's'],
  'urlquery.decode_object': [1, 's', 'O'],
  'json.marshal': [1, '*', 's'], 'json.marshal_with_options': [2, '* O', 's'], 'json.unmarshal': [1, 's'],
  'json.is_valid': [1, 's', 'b'], 'json.verify_schema': [1, 'sO', 'A'], 'json.match_schema': [2, 'sO sO', 'A'],
  'yaml.marshal': [1, '*', 's'], 'yaml.unmarshal': [1, 's'], 'yaml.is_valid': [1, 's', 'b'],
  'hex.encode': [1, 's', 's'], 'hex.decode': [1, 's', 's'],
  // time
  'time.now_ns': [0, '', 'n'], 'time.parse_ns': [2, 's s', 'n'], 'time.parse_rfc3339_ns': [1, 's', 'n'],
  'time.parse_duration_ns': [1, 's', 'n'], 'time.format': [1, 'nA', 's'], 'time.date': [1, 'nA', 'A'],
  'time.clock': [1, 'nA', 'A'], 'time.weekday': [1, 'nA', 's'], 'time.add_date': [4, 'n n n n', 'n'], 'time.diff': [2, 'nA nA', 'A'],
  // crypto and tokens
  'crypto.md5': [1, 's', 's'], 'crypto.sha1': [1, 's', 's'], 'crypto.sha256': [1, 's', 's'],
  'crypto.hmac.md5': [2, 's s', 's'], 'crypto.hmac.sha1': [2, 's s', 's'], 'crypto.hmac.sha256': [2, 's s', 's'],
  'crypto.hmac.sha512': [2, 's s', 's'], 'crypto.hmac.equal': [2, 's s', 'b'],
  'crypto.x509.parse_certificates': [1, 's', 'A'], 'crypto.x509.parse_and_verify_certificates': [1, 's', 'A'],
  'crypto.x509.parse_and_verify_certificates_with_options': [2, 's O', 'A'],
  'crypto.x509.parse_certificate_request': [1, 's', 'O'], 'crypto.x509.parse_keypair': [2, 's s', 'O'],
  'crypto.x509.parse_rsa_private_key': [1, 's', 'O'], 'crypto.parse_private_keys': [1, 's', 'A'],
  'io.jwt.decode': [1, 's', 'A'], 'io.jwt.decode_verify': [2, 's O', 'A'],
  'io.jwt.verify_rs256': [2, 's s', 'b'], 'io.jwt.verify_rs384': [2, 's s', 'b'], 'io.jwt.verify_rs512': [2, 's s', 'b'],
  'io.jwt.verify_ps256': [2, 's s', 'b'], 'io.jwt.verify_ps384': [2, 's s', 'b'], 'io.jwt.verify_ps512': [2, 's s', 'b'],
  'io.jwt.verify_es256': [2, 's s', 'b'], 'io.jwt.verify_es384': [2, 's s', 'b'], 'io.jwt.verify_es512': [2, 's s', 'b'],
  'io.jwt.verify_hs256': [2, 's s', 'b'], 'io.jwt.verify_hs384': [2, 's s', 'b'], 'io.jwt.verify_hs512': [2, 's s', 'b'],
  'io.jwt.verify_eddsa': [2, 's s', 'b'],
  'io.jwt.encode_sign': [3, 'O O O', 's'], 'io.jwt.encode_sign_raw': [3, 's s s', 's'],
  // network, graphs, versions, units, ids
  'net.cidr_contains': [2, 's s', 'b'], 'net.cidr_intersects': [2, 's s', 'b'], 'net.cidr_contains_matches': [2, '* *', 'S'],
  'net.cidr_expand': [1, 's', 'S'], 'net.cidr_merge': [1, 'AS', 'S'], 'net.cidr_is_valid': [1, 's', 'b'],
  'net.lookup_ip_addr': [1, 's', 'S'],
  walk: [1, '*', 'A'], 'graph.reachable': [2, 'O AS', 'S'], 'graph.reachable_paths': [2, 'O AS', 'S'],
  'semver.is_valid': [1, '*', 'b'], 'semver.compare': [2, 's s', 'n'],
  'units.parse': [1, 's', 'n'], 'units.parse_bytes': [1, 's', 'n'],
  'uuid.rfc4122': [1, 's', 's'], 'uuid.parse': [1, 's', 'O'],
  'bits.and': [2, 'n n', 'n'], 'bits.or': [2, 'n n', 'n'], 'bits.xor': [2, 'n n', 'n'], 'bits.negate': [1, 'n', 'n'],
  'bits.lsh': [2, 'n n', 'n'], 'bits.rsh': [2, 'n n', 'n'],
  // host services (mocked with `with` in tests, or provided by a host)
  'http.send': [1, 'O', 'O'], 'opa.runtime': [0, '', 'O'], 'rego.parse_module': [2, 's s', 'O'],
  'rego.metadata.chain': [0, '', 'A'], 'rego.metadata.rule': [0, '', 'O'],
  'providers.aws.sign_req': [3, 'O O n', 'O'],
  'graphql.parse': [2, 'sO sO', 'A'], 'graphql.parse_and_verify': [2, 'sO sO', 'A'], 'graphql.parse_query': [1, 's', 'O'],
  'graphql.parse_schema': [1, 's', 'O'], 'graphql.is_valid': [2, 'sO sO', 'b'], 'graphql.schema_is_valid': [1, 'sO', 'b'],
};

const INFIX = new Set(['assign', 'eq', 'equal', 'neq', 'lt', 'lte', 'gt', 'gte', 'plus', 'minus', 'mul', 'div', 'rem', 'and', 'or', 'internal.member_2', 'internal.member_3']);

export const BUILTINS: ReadonlyMap<string, BuiltinInfo> = new Map(
  Object.entries(ROWS).map(([name, [arity, args, result]]) => [name, {
    name, arity,
    ...(args !== undefined && args !== '' ? { args: args.split(' ') } : {}),
    ...(result !== undefined ? { result } : {}),
    ...(INFIX.has(name) ? { infix: true } : {}),
  }]),
);

export function lookupBuiltin(name: string): BuiltinInfo | undefined {
  return BUILTINS.get(name);
}

/** Names whose result can differ between two calls with the same operands. */
export const NONDETERMINISTIC: ReadonlySet<string> = new Set([
  'time.now_ns', 'rand.intn', 'http.send', 'opa.runtime', 'uuid.rfc4122', 'net.lookup_ip_addr',
]);
