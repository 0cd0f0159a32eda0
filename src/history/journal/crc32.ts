// CRC-32 (IEEE) over bytes, so a journal record torn by a crash or flipped on disk is recognised.
// zlib.crc32 where the runtime has it (Node ≥ 20.15: several times faster, and every journal line
// pays it); written out for VS Code's older Node runtimes, which lack it.

import zlib from 'node:zlib';

const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

const TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (nativeCrc32) return nativeCrc32(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end));
  return tableCrc32(bytes, start, end);
}

/** The written-out CRC-32, used where zlib.crc32 is missing (exported so a test holds the two equal). */
export function tableCrc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = -1;
  for (let i = start; i < end; i++) crc = TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}
