// A Bloom filter of the migration ids a history holds: what the extension host keeps of a
// history that lives in a worker thread, so that the watcher's question on the first sight of a
// migration — "is any of it recorded?" — is answered at once for a new one (the common case:
// a migration just created) and only a migration the history may hold waits for the worker.
// About 10 bits per id (1.2 MB at a million migrations, against ~60 MB for the ids themselves)
// for a 1 % chance that a new id is taken for a recorded one, which costs one lookup.

import type { RecordedIdsFilter } from './worker-protocol';

const BITS_PER_ID = 10;
const HASHES = 7;
/** Room for this many ids before a filter built for fewer starts to fill up. */
const MIN_IDS = 100_000;

export class RecordedIds {
  private constructor(
    private readonly bits: Uint8Array,
    private readonly hashes: number,
  ) {}

  /** An empty filter sized for `expectedIds` (and growth: at least twice as many). */
  static sizedFor(expectedIds: number): RecordedIds {
    const ids = Math.max(MIN_IDS, expectedIds * 2);
    return new RecordedIds(new Uint8Array(Math.ceil((ids * BITS_PER_ID) / 8)), HASHES);
  }

  static from(filter: RecordedIdsFilter): RecordedIds {
    return new RecordedIds(filter.bits, filter.hashes);
  }

  get filter(): RecordedIdsFilter {
    return { bits: this.bits, hashes: this.hashes };
  }

  add(id: string): void {
    const size = this.bits.length * 8;
    const [h1, h2] = hashPair(id);
    for (let i = 0; i < this.hashes; i++) {
      const bit = (h1 + i * h2) % size;
      this.bits[bit >>> 3] |= 1 << (bit & 7);
    }
  }

  /** False: the history holds nothing under `id`. True: it may. */
  mightHold(id: string): boolean {
    const size = this.bits.length * 8;
    const [h1, h2] = hashPair(id);
    for (let i = 0; i < this.hashes; i++) {
      const bit = (h1 + i * h2) % size;
      if ((this.bits[bit >>> 3] & (1 << (bit & 7))) === 0) return false;
    }
    return true;
  }
}

/** Two independent 32-bit hashes of the id's UTF-16 code units (FNV-1a and a murmur-style mix), combined as h1 + i·h2. */
function hashPair(id: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
  // h2 must be odd so that the probes cover the table rather than a subgroup of it.
  return [a >>> 0, ((b ^ (b >>> 16)) >>> 0) | 1];
}
