// Static data for the generated module: constant values laid out exactly as the runtime's
// value layout (runtime/API.md) and NUL-terminated C strings, encoded at offsets from 0
// with a relocation list, then moved to the address the runtime reserves for them.

type JsonValue = null | boolean | { num: string } | string | JsonValue[] | [string, JsonValue][] & { obj: true };

const enc = new TextEncoder();

/** Parses JSON keeping number text exact. */
function parseJson(text: string): JsonValue {
  let i = 0;
  const ws = (): void => { while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++; };
  const value = (): JsonValue => {
    ws();
    const c = text[i]!;
    if (c === '{') {
      i++;
      const entries = [] as unknown as [string, JsonValue][] & { obj: true };
      entries.obj = true;
      ws();
      if (text[i] === '}') { i++; return entries; }
      for (;;) {
        ws();
        const k = value() as string;
        ws(); i++; // ':'
        const v = value();
        const at = entries.findIndex((e) => e[0] === k);
        if (at >= 0) entries[at] = [k, v]; else entries.push([k, v]);
        ws();
        if (text[i++] === '}') return entries;
      }
    }
    if (c === '[') {
      i++;
      const items: JsonValue[] = [];
      ws();
      if (text[i] === ']') { i++; return items; }
      for (;;) {
        items.push(value());
        ws();
        if (text[i++] === ']') return items;
      }
    }
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const s = JSON.parse(text.slice(i, j + 1)) as string;
      i = j + 1;
      return s;
    }
    if (text.startsWith('null', i)) { i += 4; return null; }
    if (text.startsWith('true', i)) { i += 4; return true; }
    if (text.startsWith('false', i)) { i += 5; return false; }
    const m = /^-?[0-9][0-9]*(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i));
    if (!m) throw new Error(`internal error: bad constant JSON at ${i}: ${text}`);
    i += m[0].length;
    return { num: m[0] };
  };
  return value();
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

const I64_MAX = 2n ** 63n - 1n;
const I64_MIN = -(2n ** 63n);

export class StaticData {
  private bytes: number[] = [];
  /** offsets of u32 fields holding addresses relative to the segment start */
  private readonly relocs: number[] = [];
  private readonly consts = new Map<string, number>();
  private readonly cstrings = new Map<string, number>();

  get size(): number {
    return this.bytes.length;
  }

  private align(n: number): void {
    while (this.bytes.length % n !== 0) this.bytes.push(0);
  }

  private reserve(n: number, align = 8): number {
    this.align(align);
    const at = this.bytes.length;
    for (let i = 0; i < n; i++) this.bytes.push(0);
    return at;
  }

  private u8(at: number, v: number): void { this.bytes[at] = v & 0xff; }
  private u32(at: number, v: number): void {
    for (let i = 0; i < 4; i++) this.bytes[at + i] = (v >>> (8 * i)) & 0xff;
  }
  private ptr(at: number, v: number): void {
    this.u32(at, v);
    this.relocs.push(at);
  }
  private i64(at: number, v: bigint): void {
    let x = BigInt.asUintN(64, v);
    for (let i = 0; i < 8; i++) { this.bytes[at + i] = Number(x & 0xffn); x >>= 8n; }
  }
  private raw(data: Uint8Array): number {
    const at = this.bytes.length;
    for (const b of data) this.bytes.push(b);
    return at;
  }

  /** The (relative) address of a constant value given as JSON text; deduplicated. */
  value(json: string): number {
    const hit = this.consts.get(json);
    if (hit !== undefined) return hit;
    const at = this.encode(parseJson(json));
    this.consts.set(json, at);
    return at;
  }

  /** The (relative) address of a NUL-terminated string. */
  cstring(s: string): number {
    const hit = this.cstrings.get(s);
    if (hit !== undefined) return hit;
    const at = this.raw(enc.encode(`${s}\0`));
    this.cstrings.set(s, at);
    return at;
  }

  private encode(v: JsonValue): number {
    if (v === null) { const at = this.reserve(8); this.u8(at, 1); return at; }
    if (typeof v === 'boolean') { const at = this.reserve(8); this.u8(at, 2); this.u8(at + 1, v ? 1 : 0); return at; }
    if (typeof v === 'string') {
      const b = enc.encode(v);
      const data = this.raw(b);
      const at = this.reserve(16);
      this.u8(at, 4); this.u32(at + 4, b.length); this.ptr(at + 8, data);
      return at;
    }
    if (Array.isArray(v) && (v as { obj?: boolean }).obj) {
      const entries = (v as [string, JsonValue][]).map(([k, x]) => ({ kb: enc.encode(k), k, x }));
      entries.sort((a, b) => compareBytes(a.kb, b.kb));
      const ptrs = entries.map((e) => [this.encode(e.k), this.encode(e.x)] as const);
      const vec = this.reserve(ptrs.length * 8, 4);
      ptrs.forEach(([kp, xp], i) => { this.ptr(vec + i * 8, kp); this.ptr(vec + i * 8 + 4, xp); });
      const at = this.reserve(16);
      this.u8(at, 6); this.u32(at + 4, ptrs.length); this.u32(at + 8, ptrs.length); this.ptr(at + 12, vec);
      return at;
    }
    if (Array.isArray(v)) {
      const ptrs = (v as JsonValue[]).map((x) => this.encode(x));
      const vec = this.reserve(ptrs.length * 4, 4);
      ptrs.forEach((p, i) => this.ptr(vec + i * 4, p));
      const at = this.reserve(16);
      this.u8(at, 5); this.u32(at + 4, ptrs.length); this.u32(at + 8, ptrs.length); this.ptr(at + 12, vec);
      return at;
    }
    const text = (v as { num: string }).num;
    if (/^-?[0-9]+$/.test(text)) {
      const n = BigInt(text);
      if (n >= I64_MIN && n <= I64_MAX) {
        const at = this.reserve(16);
        this.u8(at, 3); this.u8(at + 1, 0); this.i64(at + 8, n);
        return at;
      }
    }
    const data = this.raw(enc.encode(text));
    const at = this.reserve(16);
    this.u8(at, 3); this.u8(at + 1, 2); this.u32(at + 4, text.length); this.ptr(at + 8, data);
    return at;
  }

  /** The final bytes once the segment's base address is known. */
  finish(base: number): Uint8Array {
    this.align(8);
    const out = Uint8Array.from(this.bytes);
    const view = new DataView(out.buffer);
    for (const at of this.relocs) view.setUint32(at, view.getUint32(at, true) + base, true);
    return out;
  }
}
