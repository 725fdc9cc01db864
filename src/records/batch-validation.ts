// What the broker checks in every produced batch before storing it, so that nothing is stored that a consumer
// cannot read (Kafka's broker does the same in its LogValidator). Storage checks layout, CRC-32C, size and
// offset density itself (storage/append-batches.ts); this adds what needs the record format:
//   attributes   codec 0-4 only, no control batch (markers are the transaction coordinator's), a
//                transactional batch only with a producer id, CreateTime (no LogAppendTime), no attribute
//                bits above 5
//   counts       recordCount ≥ 1 and recordCount = lastOffsetDelta + 1; a producer id needs a sequence ≥ 0
//   codec        known and available here (else `unsupported-compression`), the section decompresses, to at
//                most `maxDecompressedBytes` (a zip bomb is refused before or while inflating, never stored)
//   records      every record parses within its batch (record-walk.ts): lengths, offset deltas 0..n-1,
//                exactly recordCount records and nothing after them; with requireKeys (compacted topics)
//                no null key
//   timestamps   safe integers; the header's maxTimestamp is the largest record timestamp; every timestamp
//                within [now - timestampBeforeMaxMs, now + timestampAfterMaxMs] (both unlimited on a
//                LogAppendTime topic, whose batches storage stamps with the append time)
// Batches with no compression are checked synchronously and allocate nothing per record (the hot path);
// compressed ones are decompressed off the event loop (zlib's and the codecs' thread pools) and a large
// section is walked in slices with the event loop let through in between.
//
// Why here and not in storage/format: storage knows files, bytes and offsets, so it checks what concerns
// those (layout, CRC, offsets dense and in range) whoever calls append. What a record holds, the codecs (with
// their optional packages and asynchronous decompression) and a topic's timestamp policy are the record
// format's and the broker's: the produce handler runs this before storage.append, and any other front door
// that accepts records from clients must too.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import {
  ATTR_COMPRESSION_MASK,
  ATTR_CONTROL,
  ATTR_TIMESTAMP_TYPE_LOG_APPEND,
  ATTR_TRANSACTIONAL,
  BATCH_HEADER_SIZE,
  readBatchHeader,
  BATCH_LOG_OVERHEAD,
  type BatchHeader,
  BatchFormatError,
  CompressionCodec,
  computeBatchCrc,
  Offsets,
  validateBatch,
} from '../../storage/format/record-batch.js';
import { decompress, isCodecAvailable, OPTIONAL_CODEC_PACKAGES } from './compression.js';
import { type BatchProblem, CompressionError, InvalidBatchError, RecordFormatError } from './errors.js';
import { RecordWalk } from './record-walk.js';

export interface BatchPolicy {
  /** The topic's max.message.bytes. A larger batch is left to storage, which refuses it (MESSAGE_TOO_LARGE). */
  readonly maxBatchBytes: number;
  /** The most a compressed records section may decompress to. */
  readonly maxDecompressedBytes: number;
  /** message.timestamp.before.max.ms: how far a record's timestamp may lie behind the broker's clock. */
  readonly timestampBeforeMaxMs: number;
  /** message.timestamp.after.max.ms: how far a record's timestamp may lie ahead of the broker's clock. */
  readonly timestampAfterMaxMs: number;
  /** cleanup.policy has compact: every record needs a key (Kafka refuses keyless records there). */
  readonly requireKeys?: boolean;
}

/** A compressed section may decompress to this many times max.message.bytes (16 MiB at the default). */
export const DECOMPRESSED_BYTES_PER_BATCH_BYTE = 16;

/** Records walked between two yields to the event loop in a decompressed section. */
const RECORDS_PER_SLICE = 64 * 1024;
/** Attribute bits a producer may set: compression (0-2), timestamp type (3), transactional (4), control (5). */
const KNOWN_ATTRIBUTES = 0x3f;
const CODEC_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

class BatchRefusal {
  constructor(
    readonly problem: BatchProblem,
    readonly reason: string,
    readonly cause?: unknown,
  ) {}
}

function refuse(problem: BatchProblem, reason: string, cause?: unknown): never {
  throw new BatchRefusal(problem, reason, cause);
}

interface Located {
  index: number;
  position: number;
  header: BatchHeader;
}

/** The error for a refused batch; a batch whose CRC does not match is reported as that, whatever else failed. */
function refusalError(buf: Buffer, at: Located, err: unknown): unknown {
  if (!(err instanceof BatchRefusal)) return err;
  const { index, position, header } = at;
  const crc = computeBatchCrc(buf, position, header.sizeInBytes);
  const [problem, reason] =
    crc === header.crc
      ? [err.problem, err.reason]
      : ['corrupt' as const, `CRC mismatch: stored ${header.crc.toString(16)}, computed ${crc.toString(16)}`];
  return new InvalidBatchError(problem, `batch ${index} (at byte ${position}): ${reason}`, position, {
    cause: err.cause,
  });
}

/** Header fields: attributes, counts, producer fields, timestamp sanity. */
function checkHeader(header: BatchHeader): void {
  const attributes = header.attributes & 0xffff;
  if ((attributes & ~KNOWN_ATTRIBUTES) !== 0)
    refuse('invalid', `attributes 0x${attributes.toString(16)} set bits no producer may set`);
  const codec = attributes & ATTR_COMPRESSION_MASK;
  if (codec > CompressionCodec.Zstd) refuse('invalid', `compression codec ${codec} does not exist (Kafka's are 0-4)`);
  if ((attributes & ATTR_CONTROL) !== 0) refuse('invalid', 'it is a control batch: producers may not write those');
  if ((attributes & ATTR_TRANSACTIONAL) !== 0 && header.producerId < 0)
    refuse('invalid', 'it is transactional but has no producer id (a transactional producer has one)');
  if ((attributes & ATTR_TIMESTAMP_TYPE_LOG_APPEND) !== 0)
    refuse('invalid-timestamp', 'its timestamp type is LogAppendTime: producers send CreateTime timestamps');
  if (header.recordCount < 1) refuse('invalid', 'it holds no records');
  if (header.recordCount !== header.lastOffsetDelta + 1) {
    refuse(
      'invalid',
      `its record count ${header.recordCount} does not match lastOffsetDelta ${header.lastOffsetDelta} ` +
        '(a batch numbers its records 0..lastOffsetDelta, one offset each)',
    );
  }
  if (header.producerId >= 0 && (header.baseSequence < 0 || header.producerEpoch < 0)) {
    refuse(
      'invalid',
      `it has producer id ${header.producerId} but sequence ${header.baseSequence} / epoch ${header.producerEpoch}`,
    );
  }
  if (!Number.isSafeInteger(header.baseTimestamp))
    refuse('invalid-timestamp', `its base timestamp ${header.baseTimestamp} is not a safe integer`);
}

/** After the records were walked: the header's maxTimestamp and the topic's timestamp window. */
function checkTimestamps(header: BatchHeader, walk: RecordWalk, policy: BatchPolicy, now: number): void {
  const { minTimestamp: min, maxTimestamp: max } = walk;
  if (!Number.isSafeInteger(max) || (min !== Number.POSITIVE_INFINITY && !Number.isSafeInteger(min)))
    refuse('invalid-timestamp', 'a record timestamp is not a safe integer');
  if (max !== header.maxTimestamp)
    refuse('invalid', `its maxTimestamp ${header.maxTimestamp} is not its largest record timestamp ${max}`);
  if (min !== Number.POSITIVE_INFINITY && now - min > policy.timestampBeforeMaxMs) {
    refuse(
      'invalid-timestamp',
      `record timestamp ${min} is more than message.timestamp.before.max.ms=${policy.timestampBeforeMaxMs} ` +
        `before the broker's time ${now}`,
    );
  }
  if (max - now > policy.timestampAfterMaxMs) {
    refuse(
      'invalid-timestamp',
      `record timestamp ${max} is more than message.timestamp.after.max.ms=${policy.timestampAfterMaxMs} ` +
        `after the broker's time ${now}`,
    );
  }
}

function walkFailed(err: unknown): never {
  if (err instanceof RecordFormatError) refuse('invalid', err.message, err);
  throw err;
}

/** Records of an uncompressed batch, in place. */
function checkPlainRecords(buf: Buffer, at: Located, policy: BatchPolicy, now: number): void {
  const { position, header } = at;
  const walk = new RecordWalk(
    buf,
    position + BATCH_HEADER_SIZE,
    position + header.sizeInBytes,
    header.recordCount,
    header.baseTimestamp,
    policy.requireKeys,
  );
  try {
    walk.walk();
  } catch (err) {
    walkFailed(err);
  }
  checkTimestamps(header, walk, policy, now);
}

/** Records of a compressed batch: CRC first (no work for damaged bytes), codec, bounded decompression, walk. */
async function checkCompressedRecords(buf: Buffer, at: Located, policy: BatchPolicy, now: number): Promise<void> {
  const { position, header } = at;
  const codec = (header.attributes & ATTR_COMPRESSION_MASK) as CompressionCodec;
  const crc = computeBatchCrc(buf, position, header.sizeInBytes);
  if (crc !== header.crc)
    refuse('corrupt', `CRC mismatch: stored ${header.crc.toString(16)}, computed ${crc.toString(16)}`);
  if (!(await isCodecAvailable(codec))) {
    const pkg = OPTIONAL_CODEC_PACKAGES[codec as keyof typeof OPTIONAL_CODEC_PACKAGES];
    refuse(
      'unsupported-compression',
      `${CODEC_NAMES[codec]} compression is not available on this broker (its optional package '${pkg}' is not installed)`,
    );
  }
  let section: Buffer;
  try {
    section = await decompress(codec, buf.subarray(position + BATCH_HEADER_SIZE, position + header.sizeInBytes), {
      maxBytes: policy.maxDecompressedBytes,
      builtinOnly: true,
    });
  } catch (err) {
    if (!(err instanceof CompressionError)) throw err;
    const problem = err.code === 'COMPRESSION_UNAVAILABLE' ? 'unsupported-compression' : 'invalid';
    refuse(problem, `its records section cannot be decompressed: ${err.message}`, err);
  }
  const walk = new RecordWalk(section, 0, section.length, header.recordCount, header.baseTimestamp, policy.requireKeys);
  try {
    for (;;) {
      walk.walk(RECORDS_PER_SLICE);
      if (walk.done) break;
      await yieldToEventLoop();
    }
  } catch (err) {
    walkFailed(err);
  }
  checkTimestamps(header, walk, policy, now);
}

async function checkCompressed(buf: Buffer, batches: Located[], policy: BatchPolicy, now: number): Promise<void> {
  for (const at of batches) {
    try {
      await checkCompressedRecords(buf, at, policy, now);
    } catch (err) {
      throw refusalError(buf, at, err);
    }
  }
}

/**
 * Checks the batches of one produce (one partition's bytes) against `policy` at the broker's time `now`.
 * Returns undefined when every batch was checked synchronously (no compression), otherwise a promise.
 * Refusals are InvalidBatchError naming the batch (index and byte position) and the fault. Layout faults
 * (length, magic) are refused here too; a batch over `maxBatchBytes` ends the checks, for storage to refuse.
 */
/** The header of the batch being checked (a plain batch's is not kept; a compressed one's is copied). */
const scratchHeader = readBatchHeader(Buffer.alloc(BATCH_HEADER_SIZE));

export function validateProducedBatches(buf: Buffer, policy: BatchPolicy, now: number): Promise<void> | undefined {
  let compressed: Located[] | undefined;
  for (let position = 0, index = 0; position < buf.length; index++) {
    const left = buf.length - position;
    if (left >= BATCH_HEADER_SIZE) {
      const size = buf.readInt32BE(position + Offsets.batchLength) + BATCH_LOG_OVERHEAD;
      if (size > policy.maxBatchBytes && size <= left) break;
    }
    let header: BatchHeader;
    try {
      header = validateBatch(buf, position, false, scratchHeader);
    } catch (err) {
      if (!(err instanceof BatchFormatError)) throw err;
      throw new InvalidBatchError('corrupt', `batch ${index} (at byte ${position}): ${err.message}`, position);
    }
    const at: Located = { index, position, header };
    try {
      checkHeader(header);
      if ((header.attributes & ATTR_COMPRESSION_MASK) === CompressionCodec.None)
        checkPlainRecords(buf, at, policy, now);
      else (compressed ??= []).push({ index, position, header: { ...header } }); // kept past this loop
    } catch (err) {
      throw refusalError(buf, at, err);
    }
    position += header.sizeInBytes;
  }
  return compressed ? checkCompressed(buf, compressed, policy, now) : undefined;
}
