// The framing of each codec's compressed data, and how large a compressed records section can become, read
// from that framing before anything is decompressed, so a few bytes that would inflate to gigabytes (a "zip bomb") are refused without
// allocating. gzip has no such framing: its decompression is capped as it runs (maxOutputLength).
//
//   snappy (raw)     preamble: the uncompressed length as an unsigned LEB128 varint (≤ 5 bytes)
//   snappy (xerial)  16-byte header, then blocks [int32 BE length][raw snappy block]: sum of the preambles
//   lz4 frame        magic 04 22 4D 18, FLG, BD (block max size in bits 6-4: 4 = 64 KiB … 7 = 4 MiB),
//                    [content size 8][dict id 4], HC; blocks [uint32 LE size, high bit = stored raw]
//                    [data][checksum 4 if FLG bit 4]; size 0 ends the frame, then [checksum 4 if FLG bit 2]
//   zstd frame       magic 28 B5 2F FD, descriptor (FCS flag bits 7-6, single segment bit 5, reserved
//                    bit 3, checksum bit 2, dict id flag bits 1-0), [window 1][dict id 0/1/2/4][FCS 0/1/2/4/8],
//                    blocks [3-byte LE header: last bit 0, type bits 1-2, size bits 3-23]: raw and RLE
//                    blocks regenerate `size` bytes, compressed ones at most 128 KiB (RFC 8878 §3.1.1.2.3);
//                    then [checksum 4 if flagged]
//   lz4 and zstd     skippable frames (magic 5X 2A 4D 18, uint32 LE size, data) regenerate nothing;
//                    several frames may follow one another.
import { CompressionCodec } from '../../storage/format/record-batch.js';
import { CompressionError } from './errors.js';

// xerial snappy-java framing, as Kafka's Java producer writes it:
//   header  8 bytes magic 82 'SNAPPY' 00, int32 BE version (1), int32 BE compatible version (1)
//   blocks  repeated: int32 BE compressed length, raw snappy block (each ≤ 32 KiB uncompressed)
export const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
export const XERIAL_HEADER_SIZE = 16;

export function isXerialFramed(data: Buffer): boolean {
  return data.length >= XERIAL_HEADER_SIZE && data.subarray(0, 8).equals(XERIAL_MAGIC);
}
const LZ4_MAGIC = 0x184d2204;
const ZSTD_MAGIC = 0xfd2fb528;
const ZSTD_MAX_BLOCK = 128 * 1024;

function corrupt(codec: string, reason: string): CompressionError {
  return new CompressionError(`${codec} data is corrupt: ${reason}`, 'CORRUPT_COMPRESSED_DATA');
}

function isSkippable(magic: number): boolean {
  return (magic & 0xfffffff0) === 0x184d2a50;
}

/** Unsigned LEB128 (snappy's preamble) at `pos`; at most 5 bytes, a 32-bit value. */
function snappyPreamble(data: Buffer, pos: number, end: number): number {
  let value = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (pos >= end) throw corrupt('snappy', 'the uncompressed length is cut off');
    const byte = data[pos++]!;
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return value;
  }
  throw corrupt('snappy', 'the uncompressed length is longer than 5 bytes');
}

function snappyBound(data: Buffer): number {
  if (!isXerialFramed(data)) return snappyPreamble(data, 0, data.length);
  let total = 0;
  for (let pos = XERIAL_HEADER_SIZE; pos < data.length; ) {
    if (data.length - pos < 4) throw corrupt('snappy', `xerial block length cut off at ${pos}`);
    const length = data.readInt32BE(pos);
    if (length <= 0 || length > data.length - pos - 4)
      throw corrupt('snappy', `xerial block of ${length} bytes does not fit at ${pos}`);
    total += snappyPreamble(data, pos + 4, pos + 4 + length);
    pos += 4 + length;
  }
  return total;
}

function need(codec: string, data: Buffer, pos: number, bytes: number, what: string): void {
  if (data.length - pos < bytes) throw corrupt(codec, `${what} is cut off at byte ${pos}`);
}

/** Skippable frame at `pos`: returns the position after it. */
function skipFrame(codec: string, data: Buffer, pos: number): number {
  need(codec, data, pos, 8, 'a skippable frame header');
  const size = data.readUInt32LE(pos + 4);
  need(codec, data, pos + 8, size, 'a skippable frame');
  return pos + 8 + size;
}

function lz4Bound(data: Buffer): number {
  let total = 0;
  let pos = 0;
  do {
    need('lz4', data, pos, 4, 'a frame magic');
    const magic = data.readUInt32LE(pos);
    if (isSkippable(magic)) {
      pos = skipFrame('lz4', data, pos);
      continue;
    }
    if (magic !== LZ4_MAGIC) throw corrupt('lz4', `no LZ4 frame magic at byte ${pos}`);
    need('lz4', data, pos + 4, 3, 'the frame descriptor');
    const flg = data[pos + 4]!;
    const bd = data[pos + 5]!;
    if (flg >> 6 !== 1 || (flg & 0x02) !== 0 || (bd & 0x8f) !== 0 || bd >> 4 < 4)
      throw corrupt('lz4', `invalid frame descriptor at byte ${pos + 4}`);
    const blockMax = 1 << (8 + 2 * (bd >> 4));
    const blockChecksum = (flg & 0x10) !== 0 ? 4 : 0;
    pos += 4 + 2 + ((flg & 0x08) !== 0 ? 8 : 0) + ((flg & 0x01) !== 0 ? 4 : 0) + 1;
    for (;;) {
      need('lz4', data, pos, 4, 'a block size');
      const word = data.readUInt32LE(pos);
      pos += 4;
      if (word === 0) break;
      const size = word & 0x7fffffff;
      if (size > blockMax) throw corrupt('lz4', `a block of ${size} bytes exceeds the frame's ${blockMax}-byte blocks`);
      need('lz4', data, pos, size + blockChecksum, 'a block');
      total += word >>> 31 === 1 ? size : blockMax;
      pos += size + blockChecksum;
    }
    if ((flg & 0x04) !== 0) {
      need('lz4', data, pos, 4, 'the content checksum');
      pos += 4;
    }
  } while (pos < data.length);
  return total;
}

function zstdBound(data: Buffer): number {
  let total = 0;
  let pos = 0;
  do {
    need('zstd', data, pos, 4, 'a frame magic');
    const magic = data.readUInt32LE(pos);
    if (isSkippable(magic)) {
      pos = skipFrame('zstd', data, pos);
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw corrupt('zstd', `no zstd frame magic at byte ${pos}`);
    need('zstd', data, pos + 4, 1, 'the frame header');
    const fhd = data[pos + 4]!;
    if ((fhd & 0x08) !== 0) throw corrupt('zstd', `reserved bit set in the frame header at byte ${pos + 4}`);
    const single = (fhd & 0x20) !== 0;
    const fcsFlag = fhd >> 6;
    const fcsBytes = fcsFlag === 0 ? (single ? 1 : 0) : 1 << fcsFlag;
    const dictBytes = [0, 1, 2, 4][fhd & 0x03]!;
    pos += 5 + (single ? 0 : 1) + dictBytes + fcsBytes;
    for (let last = false; !last; ) {
      need('zstd', data, pos, 3, 'a block header');
      const header = data.readUIntLE(pos, 3);
      last = (header & 1) === 1;
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      pos += 3;
      if (type === 3) throw corrupt('zstd', `reserved block type at byte ${pos - 3}`);
      const stored = type === 1 ? 1 : size;
      need('zstd', data, pos, stored, 'a block');
      total += type === 2 ? ZSTD_MAX_BLOCK : size;
      pos += stored;
    }
    if ((fhd & 0x04) !== 0) {
      need('zstd', data, pos, 4, 'the content checksum');
      pos += 4;
    }
  } while (pos < data.length);
  return total;
}

/**
 * The most bytes `data` (a records section compressed with `codec`) can decompress to, from its framing
 * alone; Infinity for gzip, whose decompression must be capped while it runs instead. Throws a
 * CompressionError (CORRUPT_COMPRESSED_DATA) when the framing itself is broken.
 */
export function decompressedSizeBound(codec: CompressionCodec, data: Buffer): number {
  switch (codec) {
    case CompressionCodec.None:
      return data.length;
    case CompressionCodec.Snappy:
      return snappyBound(data);
    case CompressionCodec.Lz4:
      return lz4Bound(data);
    case CompressionCodec.Zstd:
      return zstdBound(data);
    default:
      return Number.POSITIVE_INFINITY;
  }
}
