// What the broker's log managers give their cleaner: its settings from the broker config, and the record
// codecs (storage knows none) so that compressed batches of compacted topics are cleaned too. The cleaner
// rewrites a batch with the codec it came with; only Kafka's built-in codec formats are used. The same codecs
// let a lookup by time (ListOffsets) read the records of a compressed batch.
import type { CleanerSettings, RecordCodecs } from '../../storage/index.js';
import { compress, decompress } from '../records/compression.js';
import type { BrokerConfig } from './config.js';

export const recordCodecs: RecordCodecs = {
  compress: (codec, data) => compress(codec, data),
  decompress: (codec, data) => decompress(codec, data, { builtinOnly: true }),
};

export function logCleanerSettings(config: BrokerConfig, dedupeShare = 1): CleanerSettings | false {
  const cleaner = config.logCleaner;
  if (!cleaner) return false;
  return {
    dedupeBufferBytes: Math.max(1024, Math.floor(cleaner.dedupeBufferBytes * dedupeShare)),
    ioBytesPerSecond: cleaner.ioMaxBytesPerSecond,
    backoffMs: cleaner.backoffMs,
    codecs: recordCodecs,
  };
}
