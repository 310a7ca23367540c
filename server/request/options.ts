// What a deployment may relax in request canonicalisation. Every default refuses; each
// option trades a refusal for a reading some upstreams make differently (docs/requests.md).
export interface RequestOptions {
  /** let `//` inside a path through (as one empty segment each); refused by default */
  readonly allowEmptySegments: boolean;
  /** let `;` (raw or %3B) through inside path segments; refused by default */
  readonly allowPathParams: boolean;
  /** decide on X-HTTP-Method-Override & co. instead of refusing a request that carries one */
  readonly honourMethodOverride: boolean;
  /** give a repeated query parameter to the policy as a list instead of refusing it */
  readonly allowRepeatedQuery: boolean;
  /** let path segments and query names or values through whose NFKC form has other ASCII letters or digits (ａｄｍｉｎ); refused by default */
  readonly allowCompatibilityLetters: boolean;
  /** the longest raw path accepted, in bytes */
  readonly maxPathBytes: number;
}

export const DEFAULT_REQUEST_OPTIONS: RequestOptions = {
  allowEmptySegments: false,
  allowPathParams: false,
  honourMethodOverride: false,
  allowRepeatedQuery: false,
  allowCompatibilityLetters: false,
  maxPathBytes: 8192,
};

/** Why a request was refused before the policy saw it. */
export type RefusalCode = 'non_canonical_path' | 'non_canonical_method' | 'method_override' | 'ambiguous_query' | 'invalid_host';


export interface Refusal {
  readonly code: RefusalCode;
  readonly reason: string;
}

export const refuse = (code: RefusalCode, reason: string): { readonly ok: false; readonly refusal: Refusal } => ({ ok: false, refusal: { code, reason } });
