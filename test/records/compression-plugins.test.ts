// kafkajs's codec plugins: `CompressionCodecs[type] = () => codec` replaces the built-in codec of that type.
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { CompressionCodecs, compress, decompress } from '../../src/records/compression.js';
import { CompressionCodec } from '../../storage/format/record-batch.js';

const builtinSnappy = CompressionCodecs[CompressionCodec.Snappy]!;
afterEach(() => {
  CompressionCodecs[CompressionCodec.Snappy] = builtinSnappy;
});

describe('CompressionCodecs', () => {
  it('starts with the built-in codecs in kafkajs shape: compress(encoder) / decompress(buffer)', async () => {
    const codec = CompressionCodecs[CompressionCodec.Gzip]!();
    const data = Buffer.from('hello hello hello hello');
    const packed = Buffer.from(await codec.compress({ buffer: data }));
    expect(gunzipSync(packed)).toEqual(data);
    expect(Buffer.from(await codec.decompress(packed))).toEqual(data);
  });

  it('a registered codec compresses and decompresses its type instead of the built-in one', async () => {
    const calls: string[] = [];
    // A stand-in "snappy" plugin (gzip plus a marker byte), as `CompressionCodecs[Snappy] = SnappyCodec` registers one.
    CompressionCodecs[CompressionCodec.Snappy] = () => ({
      async compress(encoder) {
        calls.push(`compress ${encoder.buffer.length}`);
        return Buffer.concat([Buffer.from([0x42]), gzipSync(encoder.buffer)]);
      },
      async decompress(buffer) {
        calls.push(`decompress ${buffer.length}`);
        return new Uint8Array(gunzipSync(buffer.subarray(1)));
      },
    });
    const data = Buffer.from('records section '.repeat(50));
    const packed = await compress(CompressionCodec.Snappy, data);
    expect(packed[0]).toBe(0x42);
    const unpacked = await decompress(CompressionCodec.Snappy, packed);
    expect(Buffer.isBuffer(unpacked)).toBe(true);
    expect(unpacked).toEqual(data);
    expect(calls).toEqual([`compress ${data.length}`, `decompress ${packed.length}`]);
  });

  it('a plugin that fails to decompress gives a CompressionError, as the built-in codecs do', async () => {
    CompressionCodecs[CompressionCodec.Snappy] = () => ({
      compress: (encoder) => encoder.buffer,
      decompress: () => {
        throw new Error('bad input');
      },
    });
    await expect(decompress(CompressionCodec.Snappy, Buffer.from('x'))).rejects.toMatchObject({
      name: 'CompressionError',
      code: 'CORRUPT_COMPRESSED_DATA',
    });
  });

  it('restoring the built-in factory makes the built-in codec work again', async () => {
    CompressionCodecs[CompressionCodec.Snappy] = builtinSnappy;
    const data = Buffer.from('abc'.repeat(100));
    const packed = await compress(CompressionCodec.Gzip, data);
    expect(await decompress(CompressionCodec.Gzip, packed)).toEqual(data);
  });
});
