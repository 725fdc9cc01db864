// Public API of the record codec: Kafka RecordBatch v2 building/parsing for the SDK, plus partitioning.
export { buildRecordBatch, buildRecordBatchSync, decodeRecordBatches } from './batch.js';
export type { BuildBatchOptions, DecodedBatch } from './batch.js';
export { estimateRecordSize } from './record.js';
export type { DecodedRecord, HeaderPairs, RecordInput } from './record.js';
export { compress, decompress, isCodecAvailable, isXerialFramed, OPTIONAL_CODEC_PACKAGES } from './compression.js';
export { CompressionError, RecordFormatError } from './errors.js';
export {
  MAX_VARINT_BYTES,
  MAX_VARLONG_BYTES,
  Reader,
  readVarint,
  readVarlong,
  sizeOfVarint,
  sizeOfVarlong,
  writeVarint,
  writeVarlong,
} from './varint.js';
export { murmur2, partitionForKey, toPositive } from './murmur2.js';
export {
  createDefaultPartitioner,
  createLegacyPartitioner,
  DefaultPartitioner,
  LegacyPartitioner,
  Partitioners,
} from './partitioners.js';
export { legacyMurmur2 } from './murmur2-legacy.js';
export type {
  Partitioner,
  PartitionerArgs,
  PartitionerFactory,
  PartitionerMessage,
  PartitionerOptions,
  PartitionMetadata,
} from './partitioners.js';
export { headersToPairs, NoHeaders, pairsToHeaders } from './headers.js';
export { plainObjectConstructor } from './plain-objects.js';
export type { DecodedHeaders, HeadersInput, HeaderValue } from './headers.js';
export { BatchFormatError, CompressionCodec } from '../../storage/format/record-batch.js';
export type { BatchHeader } from '../../storage/format/record-batch.js';
export {
  DELIVER_AT_HEADER,
  DLQ_HEADERS,
  defaultDeadLetterTopic,
  MAX_PRIORITY,
  MIN_PRIORITY,
  PRIORITY_HEADER,
} from './queue-headers.js';
