// Kafka's key hash, byte for byte as Java's org.apache.kafka.common.utils.Utils.murmur2: MurmurHash2
// (32-bit) with seed 0x9747b28c, 4-byte little-endian blocks, and Java's int arithmetic, so the result
// is a signed int32. Math.imul gives Java's wrapping 32-bit multiply; `>>>` is Java's `>>>`.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

export function murmur2(data: Buffer): number {
  const length = data.length;
  let h = SEED ^ length;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    // Java sums (data[i] & 0xff) + (data[i+1] & 0xff) << 8 …: a little-endian int32.
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The 1-3 trailing bytes (Java's fall-through switch on length % 4).
  const tail = length & 3;
  if (tail === 3) h ^= data[blocks + 2]! << 16;
  if (tail >= 2) h ^= data[blocks + 1]! << 8;
  if (tail >= 1) {
    h ^= data[blocks]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's Utils.toPositive: clears the sign bit (not Math.abs, so -2^31 maps to 0). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition Kafka's default partitioner picks for a keyed record. */
export function partitionForKey(key: Buffer, numPartitions: number): number {
  if (!Number.isInteger(numPartitions) || numPartitions <= 0)
    throw new RangeError(`numPartitions ${numPartitions} must be a positive integer`);
  return toPositive(murmur2(key)) % numPartitions;
}
