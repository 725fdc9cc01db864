// The decompressed-size bound read from each codec's framing (src/records/compression-framing.ts) and the
// capped decompress built on it: never below what the data really inflates to (or valid data would be
// refused); data past the cap is refused, a bomb before inflating (snappy, lz4, zstd) or while (gzip).
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decompressedSizeBound } from '../../src/records/compression-framing.js';
import { CompressionCodec, compress, decompress, isCodecAvailable } from '../../src/records/index.js';

const codecs: Array<[string, CompressionCodec]> = [
  ['gzip', CompressionCodec.Gzip],
  ['snappy', CompressionCodec.Snappy],
  ['lz4', CompressionCodec.Lz4],
  ['zstd', CompressionCodec.Zstd],
];

/** Inputs that compress badly, well, and absurdly well, from empty to 3 MiB (several blocks of every codec). */
const inputs = (): Buffer[] => [
  Buffer.alloc(0),
  randomBytes(1),
  randomBytes(100_000),
  Buffer.concat(Array.from({ length: 200 }, () => Buffer.from('{"user":"alice","action":"click","n":12345}'))),
  Buffer.alloc(3 * 1024 * 1024),
  Buffer.concat([randomBytes(300_000), Buffer.alloc(700_000, 7)]),
];

describe.each(codecs)('%s', (name, codec) => {
  it('bounds the decompressed size from above, and the capped decompress refuses only past the cap', async () => {
    if (!(await isCodecAvailable(codec))) return expect(name).not.toBe('gzip');
    for (const input of inputs()) {
      const compressed = await compress(codec, input);
      const bound = decompressedSizeBound(codec, compressed);
      expect(bound).toBeGreaterThanOrEqual(input.length);
      expect((await decompress(codec, compressed, { maxBytes: input.length })).equals(input)).toBe(true);
      if (input.length > 0) {
        const refused = decompress(codec, compressed, { maxBytes: input.length - 1 });
        await expect(refused).rejects.toMatchObject({ code: 'DECOMPRESSED_TOO_LARGE' });
        await expect(refused).rejects.toThrow(`more than the limit of ${input.length - 1} bytes`);
      }
    }
  });
});

describe('framing that cannot be right is corrupt, before any decompression', () => {
  it.each<[string, CompressionCodec, Buffer]>([
    ['lz4 without its magic', CompressionCodec.Lz4, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8])],
    [
      'lz4 cut inside a block',
      CompressionCodec.Lz4,
      Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82, 9, 0, 0, 0]),
    ],
    ['zstd without its magic', CompressionCodec.Zstd, Buffer.from([1, 2, 3, 4, 5])],
    ['zstd with a reserved block type', CompressionCodec.Zstd, Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x20, 0, 7, 0, 0])],
    ['snappy whose length preamble never ends', CompressionCodec.Snappy, Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80])],
  ])('%s', (_name, codec, data) => {
    expect(() => decompressedSizeBound(codec, data)).toThrow(
      expect.objectContaining({ code: 'CORRUPT_COMPRESSED_DATA' }),
    );
  });

  it('counts a zstd RLE block as the bytes it regenerates: 4 bytes claiming 128 KiB', async () => {
    // Frame header (single segment, 1-byte content size 0), then 100 RLE blocks of 128 KiB - 1 each.
    const block = Buffer.from([0, 0, 0, 0x61]);
    block.writeUIntLE((((128 * 1024 - 1) << 3) | (1 << 1)) >>> 0, 0, 3);
    const frame = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x20, 0]), ...Array(100).fill(block)]);
    frame[frame.length - 4]! |= 1; // last block
    expect(decompressedSizeBound(CompressionCodec.Zstd, frame)).toBe(100 * (128 * 1024 - 1));
    // 12.5 MiB from 406 bytes: past the 8 MiB a 1 MiB cap lets a framing claim, refused before inflating.
    await expect(decompress(CompressionCodec.Zstd, frame, { maxBytes: 1024 * 1024 })).rejects.toThrow(
      'zstd data decompresses to up to 13107100 bytes, more than the limit of 1048576 bytes',
    );
  });
});
