// The cleaner's offset map (Kafka's SkimpyOffsetMap): key hash → offset of the key's latest record, in a
// fixed buffer allocated once, so the cleaner's memory is bounded whatever the log holds.
//
// Bytes: `capacity` slots of 24 bytes: 16 bytes of the key's MD5, then the offset + 1 as a float64
// (big-endian; 0 marks an empty slot; offsets are below 2^53). Open addressing with linear probing from
// the hash's first 4 bytes. The map counts as full at `loadFactor` of its slots (Kafka's 0.9), so probes
// stay short. Two keys with the same MD5 would share a slot (the older record would then be dropped as if
// superseded): a 2^-128 event per pair, the same bet Kafka makes.
import { createHash } from 'node:crypto';

export const HASH_BYTES = 16;
export const SLOT_BYTES = HASH_BYTES + 8;
export const DEFAULT_LOAD_FACTOR = 0.9;

/** The MD5 of a key: the map's key. */
export function keyHash(key: Buffer): Buffer {
  return createHash('md5').update(key).digest();
}

export class OffsetMap {
  readonly #slots: Buffer;
  readonly #capacity: number;
  readonly #maxEntries: number;
  #size = 0;

  constructor(memoryBytes: number, loadFactor = DEFAULT_LOAD_FACTOR) {
    this.#capacity = Math.floor(memoryBytes / SLOT_BYTES);
    if (this.#capacity < 2)
      throw new RangeError(`offset map needs at least ${2 * SLOT_BYTES} bytes, got ${memoryBytes}`);
    // At least one slot stays empty, so every probe ends.
    this.#maxEntries = Math.max(1, Math.min(this.#capacity - 1, Math.floor(this.#capacity * loadFactor)));
    this.#slots = Buffer.alloc(this.#capacity * SLOT_BYTES);
  }

  /** Keys the map can hold. */
  get maxEntries(): number {
    return this.#maxEntries;
  }

  get size(): number {
    return this.#size;
  }

  get full(): boolean {
    return this.#size >= this.#maxEntries;
  }

  /** Sets the key's offset; false (nothing changed) when the key is new and the map is full. */
  put(hash: Buffer, offset: number): boolean {
    const slot = this.#find(hash);
    const at = slot * SLOT_BYTES;
    if (this.#slots.readDoubleBE(at + HASH_BYTES) === 0) {
      if (this.full) return false;
      hash.copy(this.#slots, at, 0, HASH_BYTES);
      this.#size++;
    }
    this.#slots.writeDoubleBE(offset + 1, at + HASH_BYTES);
    return true;
  }

  /** The key's latest offset, or -1 when the map has not seen it. */
  get(hash: Buffer): number {
    const at = this.#find(hash) * SLOT_BYTES;
    return this.#slots.readDoubleBE(at + HASH_BYTES) - 1;
  }

  clear(): void {
    this.#slots.fill(0);
    this.#size = 0;
  }

  /** The slot holding `hash`, or the empty slot where it would go (one exists: the map is never all full). */
  #find(hash: Buffer): number {
    const slots = this.#slots;
    let slot = hash.readUInt32BE(0) % this.#capacity;
    for (;;) {
      const at = slot * SLOT_BYTES;
      if (slots.readDoubleBE(at + HASH_BYTES) === 0) return slot;
      if (slots.compare(hash, 0, HASH_BYTES, at, at + HASH_BYTES) === 0) return slot;
      slot = slot + 1 === this.#capacity ? 0 : slot + 1;
    }
  }
}
