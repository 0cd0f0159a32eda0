// A Bloom filter of the migration ids a history holds: what the extension host keeps of a
// history that lives in a worker thread, so that the watcher's question on the first sight of a
// migration — "is any of it recorded?" — is answered at once for a new one (the common case:
// a migration just created) and only a migration the history may hold waits for the worker.
// 20 bits per id (2.5 MB at a million migrations, against ~60 MB for the ids themselves) for a
// 0.007 % chance that a new id is taken for a recorded one. That costs a lookup, and the source's
// stream waits for it behind the worker's backlog: at 1 % (10 bits) a storm of new migrations
// into a busy worker stalled every other burst, and ingest fell to 4,000 a second.

import type { RecordedIdsFilter } from './worker-protocol';

const BITS_PER_ID = 20;
const HASHES = 14;
/** Room for this many ids before a filter built for fewer starts to fill up. */
const MIN_IDS = 100_000;

/** One Bloom filter with room for `capacity` ids at the designed error rate. */
interface Layer {
  bits: Uint8Array;
  capacity: number;
  ids: number;
}

/**
 * A scalable Bloom filter: when the newest layer holds as many ids as it has room for, a layer
 * twice its size takes the new ones. A window that records a hundred thousand migrations after
 * open so keeps its error rate instead of saturating a filter sized at open (at 140,000 ids in a
 * filter for 100,000, about one new migration in twelve waited for a lookup); the layers' error
 * rates add up to at most about twice one layer's.
 */
export class RecordedIds {
  private constructor(private readonly layers: Layer[]) {}

  /** An empty filter sized for `expectedIds` (and growth: at least twice as many). */
  static sizedFor(expectedIds: number): RecordedIds {
    return new RecordedIds([layerFor(Math.max(MIN_IDS, expectedIds * 2))]);
  }

  static from(filter: RecordedIdsFilter): RecordedIds {
    if (filter.hashes !== HASHES) throw new Error(`a recorded-ids filter with ${filter.hashes} hashes (this version uses ${HASHES})`);
    return new RecordedIds([{ bits: filter.bits, capacity: Math.floor((filter.bits.length * 8) / BITS_PER_ID), ids: filter.ids }]);
  }

  /** The first layer, to send to another thread (the worker builds its filter in one). */
  get filter(): RecordedIdsFilter {
    const { bits, ids } = this.layers[0];
    return { bits, hashes: HASHES, ids };
  }

  add(id: string): void {
    let layer = this.layers[this.layers.length - 1];
    if (layer.ids >= layer.capacity) {
      layer = layerFor(layer.capacity * 2);
      this.layers.push(layer);
    }
    const [h1, h2] = hashPair(id);
    const size = layer.bits.length * 8;
    for (let i = 0; i < HASHES; i++) {
      const bit = (h1 + i * h2) % size;
      layer.bits[bit >>> 3] |= 1 << (bit & 7);
    }
    layer.ids++;
  }

  /** False: the history holds nothing under `id`. True: it may. */
  mightHold(id: string): boolean {
    const [h1, h2] = hashPair(id);
    return this.layers.some((layer) => {
      const size = layer.bits.length * 8;
      for (let i = 0; i < HASHES; i++) {
        const bit = (h1 + i * h2) % size;
        if ((layer.bits[bit >>> 3] & (1 << (bit & 7))) === 0) return false;
      }
      return true;
    });
  }
}

function layerFor(capacity: number): Layer {
  return { bits: new Uint8Array(Math.ceil((capacity * BITS_PER_ID) / 8)), capacity, ids: 0 };
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
  return [a >>> 0, ((b ^ (b >>> 16)) | 1) >>> 0];
}
