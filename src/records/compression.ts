// Whole-batch compression of the records section (bytes 61..end of a batch), Kafka's codecs:
//   gzip   standard gzip stream (RFC 1952), node:zlib on the libuv thread pool
//   snappy Java producers write xerial framing (below); librdkafka and others write raw snappy.
//          We write xerial framing (what every Kafka client reads) and read both.
//   lz4    the LZ4 *frame* format (magic 04 22 4D 18) with independent blocks
//   zstd   a standard zstd frame (magic 28 B5 2F FD)
// snappy, lz4 and zstd come from optional npm packages loaded on first use, so a producer that never
// compresses with them needs none installed; a missing package gives a CompressionError naming it.
import { constants as bufferConstants } from 'node:buffer';
//
// kafkajs's codec plugins: `CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec` (a factory returning
// `{ compress(encoder), decompress(buffer) }`) replaces the codec of that type for this process: compress()
// and decompress() below use a registered factory instead of the built-in codec. The table starts out
// holding the built-in codecs in that same shape.
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { CompressionCodec } from '../../storage/format/record-batch.js';
import { decompressedSizeBound, isXerialFramed, XERIAL_HEADER_SIZE, XERIAL_MAGIC } from './compression-framing.js';
import { CompressionError } from './errors.js';

export { isXerialFramed };

const MAX_LENGTH = bufferConstants.MAX_LENGTH;
const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

interface SnappyModule {
  compress(input: Uint8Array): Promise<Buffer>;
  uncompress(input: Uint8Array, options?: { asBuffer?: boolean }): Promise<Buffer | string>;
}
interface Lz4Module {
  compressFrame(input: Uint8Array): Promise<Buffer>;
  decompressFrame(input: Uint8Array): Promise<Buffer>;
}
interface ZstdModule {
  compress(input: Buffer, level?: number): Promise<Buffer>;
  decompress(input: Buffer): Promise<Buffer>;
}

/** The optional package each non-gzip codec loads (see the report for pinned versions). */
export const OPTIONAL_CODEC_PACKAGES = {
  [CompressionCodec.Snappy]: 'snappy',
  [CompressionCodec.Lz4]: 'lz4-napi',
  [CompressionCodec.Zstd]: '@mongodb-js/zstd',
} as const;

const codecNames: Record<number, string> = { 0: 'none', 1: 'gzip', 2: 'snappy', 3: 'lz4', 4: 'zstd' };

const loaded = new Map<string, Promise<unknown>>();

async function loadOptional<T>(codec: keyof typeof OPTIONAL_CODEC_PACKAGES): Promise<T> {
  const pkg: string = OPTIONAL_CODEC_PACKAGES[codec];
  let pending = loaded.get(pkg);
  if (!pending) {
    // A non-literal specifier keeps tsc and bundlers from requiring the package at build time.
    pending = import(pkg).catch((cause: unknown) => {
      loaded.delete(pkg); // let a later call retry after the package is installed
      throw new CompressionError(
        `${codecNames[codec]} compression needs the optional package '${pkg}'`,
        'COMPRESSION_UNAVAILABLE',
        {
          cause,
        },
      );
    });
    loaded.set(pkg, pending);
  }
  // napi-rs packages are CommonJS: `default` is module.exports; ESM packages have named exports only.
  const mod = (await pending) as T & { default?: T };
  return mod.default !== null && typeof mod.default === 'object' ? mod.default : mod;
}

// Node ≥ 22.15 ships zstd in node:zlib; prefer it there. @types/node 20 does not declare it.
type ZlibZstd = { zstdCompress?: typeof zlib.gzip; zstdDecompress?: typeof zlib.gunzip };
const nodeZstd = zlib as unknown as ZlibZstd;

async function zstdModule(): Promise<ZstdModule> {
  if (nodeZstd.zstdCompress && nodeZstd.zstdDecompress) {
    const zc = promisify(nodeZstd.zstdCompress);
    const zd = promisify(nodeZstd.zstdDecompress);
    return { compress: (data) => zc(data), decompress: (data) => zd(data) };
  }
  return loadOptional<ZstdModule>(CompressionCodec.Zstd);
}

// xerial snappy-java framing: see compression-framing.ts. Blocks hold at most 32 KiB uncompressed.
const XERIAL_BLOCK_SIZE = 32 * 1024;

async function snappyCompressXerial(snappy: SnappyModule, data: Buffer): Promise<Buffer> {
  const blocks: Promise<Buffer>[] = [];
  for (let pos = 0; pos < data.length; pos += XERIAL_BLOCK_SIZE) {
    blocks.push(snappy.compress(data.subarray(pos, pos + XERIAL_BLOCK_SIZE)));
  }
  const compressed = await Promise.all(blocks);
  const out = Buffer.allocUnsafe(XERIAL_HEADER_SIZE + compressed.reduce((n, b) => n + 4 + b.length, 0));
  XERIAL_MAGIC.copy(out, 0);
  out.writeInt32BE(1, 8);
  out.writeInt32BE(1, 12);
  let pos = XERIAL_HEADER_SIZE;
  for (const block of compressed) {
    out.writeInt32BE(block.length, pos);
    block.copy(out, pos + 4);
    pos += 4 + block.length;
  }
  return out;
}

async function snappyUncompress(snappy: SnappyModule, data: Buffer): Promise<Buffer> {
  const one = async (block: Buffer) => snappy.uncompress(block, { asBuffer: true }) as Promise<Buffer>;
  if (!isXerialFramed(data)) return one(data);
  const blocks: Promise<Buffer>[] = [];
  let pos = XERIAL_HEADER_SIZE;
  while (pos < data.length) {
    if (data.length - pos < 4)
      throw new CompressionError(`xerial snappy block length cut off at ${pos}`, 'CORRUPT_COMPRESSED_DATA');
    const length = data.readInt32BE(pos);
    if (length < 0 || length > data.length - pos - 4) {
      throw new CompressionError(
        `xerial snappy block of ${length} bytes does not fit at ${pos}`,
        'CORRUPT_COMPRESSED_DATA',
      );
    }
    blocks.push(one(data.subarray(pos + 4, pos + 4 + length)));
    pos += 4 + length;
  }
  const parts = await Promise.all(blocks);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

function unknownCodec(codec: number): CompressionError {
  return new CompressionError(`unknown compression codec id ${codec} (Kafka defines 0-4)`, 'UNKNOWN_COMPRESSION');
}

/** A kafkajs codec: `compress` gets an encoder whose `buffer` holds the bytes to compress. */
export interface PluginCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer | Uint8Array> | Buffer | Uint8Array;
  decompress(buffer: Buffer): Promise<Buffer | Uint8Array> | Buffer | Uint8Array;
}
export type PluginCodecFactory = () => PluginCodec;

function builtinFactory(codec: CompressionCodec): PluginCodecFactory {
  const plugin: PluginCodec = {
    compress: (encoder) => compressBuiltin(codec, encoder.buffer),
    decompress: (buffer) => decompressWith(codec, buffer, Number.POSITIVE_INFINITY),
  };
  return () => plugin;
}

const BUILTIN_FACTORIES: Readonly<Record<number, PluginCodecFactory>> = Object.freeze({
  [CompressionCodec.Gzip]: builtinFactory(CompressionCodec.Gzip),
  [CompressionCodec.Snappy]: builtinFactory(CompressionCodec.Snappy),
  [CompressionCodec.Lz4]: builtinFactory(CompressionCodec.Lz4),
  [CompressionCodec.Zstd]: builtinFactory(CompressionCodec.Zstd),
});

/** kafkajs's `CompressionCodecs`: codec type → factory. Assigning an entry plugs in another codec. */
export const CompressionCodecs: Record<number, PluginCodecFactory> = { ...BUILTIN_FACTORIES };

/** The codec registered for `codec` in place of the built-in one, or null. */
function pluginFor(codec: CompressionCodec): PluginCodec | null {
  const factory = CompressionCodecs[codec];
  if (factory === undefined || factory === BUILTIN_FACTORIES[codec]) return null;
  if (typeof factory !== 'function') {
    throw new CompressionError(
      `CompressionCodecs[${codec}] must be a function returning { compress, decompress }`,
      'UNKNOWN_COMPRESSION',
    );
  }
  return factory();
}

const asBuffer = (bytes: Buffer | Uint8Array): Buffer =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Compresses a batch's records section with `codec` (a registered plugin codec when there is one). */
export async function compress(codec: CompressionCodec, data: Buffer): Promise<Buffer> {
  const plugin = codec === CompressionCodec.None ? null : pluginFor(codec);
  if (plugin) return asBuffer(await plugin.compress({ buffer: data }));
  return compressBuiltin(codec, data);
}

async function compressBuiltin(codec: CompressionCodec, data: Buffer): Promise<Buffer> {
  switch (codec) {
    case CompressionCodec.None:
      return data;
    case CompressionCodec.Gzip:
      return gzip(data);
    case CompressionCodec.Snappy:
      return snappyCompressXerial(await loadOptional<SnappyModule>(codec), data);
    case CompressionCodec.Lz4:
      return (await loadOptional<Lz4Module>(codec)).compressFrame(data);
    case CompressionCodec.Zstd:
      return (await zstdModule()).compress(data);
    default:
      throw unknownCodec(codec);
  }
}

async function decompressWith(codec: CompressionCodec, data: Buffer, maxBytes: number): Promise<Buffer> {
  switch (codec) {
    case CompressionCodec.None:
      return data;
    case CompressionCodec.Gzip:
      // zlib stops inflating (ERR_BUFFER_TOO_LARGE) once the output would pass the limit.
      return maxBytes < MAX_LENGTH ? gunzip(data, { maxOutputLength: Math.max(1, maxBytes) }) : gunzip(data);
    case CompressionCodec.Snappy:
      return snappyUncompress(await loadOptional<SnappyModule>(codec), data);
    case CompressionCodec.Lz4:
      return (await loadOptional<Lz4Module>(codec)).decompressFrame(data);
    case CompressionCodec.Zstd:
      return (await zstdModule()).decompress(data);
    default:
      throw unknownCodec(codec);
  }
}

/** `size`: what is known of the decompressed size ("up to 9000 bytes"), when anything is. */
function tooLarge(codec: CompressionCodec, maxBytes: number, size?: string): CompressionError {
  return new CompressionError(
    `${codecNames[codec]} data decompresses to ${size ? `${size}, ` : ''}more than the limit of ${maxBytes} bytes`,
    'DECOMPRESSED_TOO_LARGE',
  );
}

/**
 * The most a capped decompress lets a codec inflate before it can check the real size: the framing's bound
 * counts every compressed block as full (a frame's last block rarely is), so it may pass `maxBytes` a little
 * for data that does not.
 */
const boundAllowance = (maxBytes: number) => Math.max(2 * maxBytes, 8 * 1024 * 1024);

export interface DecompressOptions {
  /** Refuse (CompressionError DECOMPRESSED_TOO_LARGE) output larger than this. */
  maxBytes?: number;
  /**
   * Ignore codecs registered in CompressionCodecs: the broker validates produced batches against Kafka's
   * codec formats, whatever an application embedding it registered for its own clients.
   */
  builtinOnly?: boolean;
}

/**
 * Decompresses a batch's records section; corrupt input becomes a CompressionError. With `maxBytes`, data
 * that decompresses to more is refused (DECOMPRESSED_TOO_LARGE) and memory stays bounded: gzip stops as it
 * inflates past the limit; snappy, lz4 and zstd are refused before any decompression when the bound their
 * framing gives (compression-framing.ts) passes max(2 × maxBytes, 8 MiB), and after it when they pass maxBytes.
 */
export async function decompress(
  codec: CompressionCodec,
  data: Buffer,
  options: DecompressOptions = {},
): Promise<Buffer> {
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  try {
    const plugin = codec === CompressionCodec.None || options.builtinOnly ? null : pluginFor(codec);
    if (Number.isFinite(maxBytes) && codec !== CompressionCodec.Gzip) {
      const bound = decompressedSizeBound(codec, data);
      if (bound > boundAllowance(maxBytes)) throw tooLarge(codec, maxBytes, `up to ${bound} bytes`);
    }
    const out = plugin ? asBuffer(await plugin.decompress(data)) : await decompressWith(codec, data, maxBytes);
    if (out.length > maxBytes) throw tooLarge(codec, maxBytes, `${out.length} bytes`);
    return out;
  } catch (err) {
    if (err instanceof CompressionError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(codec, maxBytes);
    throw new CompressionError(
      `${codecNames[codec]} data is corrupt: ${(err as Error).message}`,
      'CORRUPT_COMPRESSED_DATA',
      { cause: err },
    );
  }
}

/** Whether `codec` can be used here (gzip and none always; others need their optional package). */
export async function isCodecAvailable(codec: CompressionCodec): Promise<boolean> {
  try {
    if (codec === CompressionCodec.Zstd) await zstdModule();
    else if (codec === CompressionCodec.Snappy || codec === CompressionCodec.Lz4) await loadOptional(codec);
    else if (codec !== CompressionCodec.None && codec !== CompressionCodec.Gzip) return false;
    return true;
  } catch {
    return false;
  }
}
