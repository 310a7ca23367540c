// Finds a repeated key inside one JSON object. `JSON.parse` keeps the last value of a
// repeated key while some upstream parsers keep the first, so a body such as
// {"amount":1,"amount":99999} could show the policy one amount and the upstream another.
// The proxy refuses such bodies; this scanner runs on text JSON.parse already accepted.

/** The first duplicated key, or undefined. `text` must be valid JSON. */
export function findDuplicateKey(text: string): string | undefined {
  // One frame per open container: a key set for objects, null for arrays.
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x7b /* { */) {
      stack.push(new Set());
      expectKey = true;
    } else if (ch === 0x5b /* [ */) {
      stack.push(null);
      expectKey = false;
    } else if (ch === 0x7d /* } */ || ch === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (ch === 0x2c /* , */) {
      expectKey = stack[stack.length - 1] instanceof Set;
    } else if (ch === 0x22 /* " */) {
      const end = stringEnd(text, i);
      if (expectKey) {
        const keys = stack[stack.length - 1];
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (keys?.has(key)) return key;
        keys?.add(key);
        expectKey = false;
      }
      i = end;
    }
  }
  return undefined;
}

/** Index of the closing quote of the string literal opening at `start`. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x5c /* \ */) i++;
    else if (ch === 0x22) return i;
  }
  return text.length - 1;
}
