// The key hash of kafkajs's LegacyPartitioner (kafkajs ≤ 1.x's default), reproduced so that keys land
// where kafkajs put them. It is murmur2 written with JavaScript number arithmetic, which is NOT Kafka's
// murmur2 (murmur2.ts), for two reasons that together decide every placement:
//   1. Multiplications are float64 (`k * M`, not Math.imul): a product past 2^53 is rounded before the
//      next `>>>` or `^` takes it modulo 2^32, so low bits differ from Java's wrapping int multiply.
//   2. The block loop runs ceil(length / 4) times: the last, partial block is mixed in too, its missing
//      bytes read as 0, and then the tail bytes are mixed again by the final switch.
// Everything else (seed, constants, shifts) is Kafka's. Each step below keeps the exact order of kafkajs's
// operations; do not "fix" them.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

const byteAt = (data: Buffer, i: number): number => (i < data.length ? data[i]! : 0);

export function legacyMurmur2(data: Buffer): number {
  const length = data.length;
  let h: number = SEED ^ length;
  for (let i = 0; i < length / 4; i++) {
    const at = i * 4;
    // A signed 32-bit little-endian block (the top byte's << 24 is signed), summed as numbers.
    let k: number =
      byteAt(data, at) + (byteAt(data, at + 1) << 8) + (byteAt(data, at + 2) << 16) + (byteAt(data, at + 3) << 24);
    k *= M; // float64: may round
    k ^= k >>> R;
    k *= M; // float64
    h *= M; // float64
    h ^= k;
  }
  // The 1-3 trailing bytes, a second time (a fall-through switch on length % 4 in kafkajs).
  const tail = length & ~3;
  const rest = length % 4;
  if (rest === 3) h ^= byteAt(data, tail + 2) << 16;
  if (rest >= 2) h ^= byteAt(data, tail + 1) << 8;
  if (rest >= 1) {
    h ^= byteAt(data, tail);
    h *= M; // float64
  }
  h ^= h >>> 13;
  h *= M; // float64
  h ^= h >>> 15;
  return h;
}
