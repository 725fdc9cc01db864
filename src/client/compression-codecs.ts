// kafkajs's `CompressionCodecs`, typed as kafkajs types it: `CompressionCodecs[CompressionTypes.Snappy] =
// SnappyCodec` plugs a kafkajs codec package in. The table itself lives with the codecs
// (src/records/compression.ts), which use a registered entry in place of their built-in codec.
import { CompressionCodecs as table, type PluginCodecFactory } from '../records/compression.js';
import type { CompressionTypes } from './producer/types.js';

export type { PluginCodec, PluginCodecFactory } from '../records/compression.js';

export const CompressionCodecs = table as {
  [CompressionTypes.GZIP]: PluginCodecFactory;
  [CompressionTypes.Snappy]: PluginCodecFactory;
  [CompressionTypes.LZ4]: PluginCodecFactory;
  [CompressionTypes.ZSTD]: PluginCodecFactory;
};
