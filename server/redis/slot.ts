// Redis Cluster key slots: CRC16 (XMODEM: polynomial 0x1021, initial value 0) of the key's
// hash tag (the text between the first '{' and the next '}', when not empty; else the
// whole key), modulo 16384, as the Redis Cluster specification defines it. Used to place
// one reset marker on every master (server/limits/reset-detector.ts) and by the tests.
const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let b = 0; b < 8; b++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff]!;
  return crc;
}

export const SLOT_COUNT = 16_384;

export function keySlot(key: string): number {
  const open = key.indexOf('{');
  let part = key;
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) part = key.slice(open + 1, close);
  }
  return crc16(Buffer.from(part, 'utf8')) % SLOT_COUNT;
}
