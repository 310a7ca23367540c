// Characters that spell ASCII letters or digits for an upstream that NFKC-normalises (or maps
// text to a Windows code page, "best fit", which folds most of the same ones): ａｄｍｉｎ,
// 𝐚𝐝𝐦𝐢𝐧, ﬁ, ①, the Kelvin sign. A deny that compares `admin` never sees them as `admin`.
const ASCII_ALNUM = /[A-Za-z0-9]/;

/** The first character of `text` that NFKC turns into ASCII letters or digits, if any. */
export function asciiLookAlike(text: string): string | undefined {
  // ASCII is NFKC-stable and most text is ASCII: skip the per-character pass for it
  if (!/[^\x00-\x7f]/.test(text) || text.normalize('NFKC') === text) return undefined;
  for (const c of text) if (c.charCodeAt(0) >= 0x80 && ASCII_ALNUM.test(c.normalize('NFKC'))) return c;
  return undefined;
}

/** `c` as its code point and NFKC form, for refusal reasons: `"ａ" (U+FF41, NFKC "a")`. */
export function describeLookAlike(c: string): string {
  return `${JSON.stringify(c)} (U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}, NFKC ${JSON.stringify(c.normalize('NFKC'))})`;
}
