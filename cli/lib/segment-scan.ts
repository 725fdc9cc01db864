// Offline walk over a segment's `.log` file: every batch's header, CRC status and (optionally)
// records, and the first place where the bytes stop making sense. Reads one batch at a time, so a
// 1 GiB segment needs no more memory than its largest batch.
import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { decodeRecordBatches, type DecodedRecord } from '../../src/records/index.js';
import {
  ATTR_CONTROL,
  ATTR_TIMESTAMP_TYPE_LOG_APPEND,
  ATTR_TRANSACTIONAL,
  BATCH_HEADER_SIZE,
  BATCH_LOG_OVERHEAD,
  MAGIC_V2,
  computeBatchCrc,
  compressionOf,
  readBatchHeader,
  type BatchHeader,
} from '../../storage/format/record-batch.js';
import { CONTROL_TYPE_ABORT, CONTROL_TYPE_COMMIT, readControlRecord } from '../../storage/format/control-batch.js';

export const CODEC_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export interface ScannedBatch {
  kind: 'batch';
  position: number;
  header: BatchHeader;
  lastOffset: number;
  compression: string;
  crcValid: boolean;
  computedCrc: number;
  transactional: boolean;
  control: boolean;
  /** A control batch's transaction marker: COMMIT or ABORT with the coordinator's epoch. */
  marker?: { type: string; coordinatorEpoch: number | null };
  timestampType: 'CreateTime' | 'LogAppendTime';
  records?: DecodedRecord[];
  /** Why the records could not be decoded (with `records` asked for). */
  recordError?: string;
}

export interface Corruption {
  kind: 'corruption';
  position: number;
  message: string;
  /** Offset of the last good batch's last record, if any. */
  afterOffset?: number;
  /** True when scanning cannot continue past it (bad length or magic, cut off). */
  fatal: boolean;
}

export interface ScanSummary {
  kind: 'summary';
  file: string;
  bytes: number;
  batches: number;
  records: number;
  firstOffset: number | null;
  lastOffset: number | null;
  validBytes: number;
  corrupt: number;
}

export type ScanEvent = ScannedBatch | Corruption | ScanSummary;

/** The base offset a segment file's 20-digit name states, if it has one. */
export function baseOffsetOfName(path: string): number | undefined {
  const m = /^(\d{20})\.log$/.exec(basename(path));
  return m ? Number(m[1]) : undefined;
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === length ? buf : buf.subarray(0, got);
}

/** Structural check of a header before trusting its length; returns why it is bad. */
function headerProblem(h: BatchHeader, left: number): string | undefined {
  if (h.sizeInBytes < BATCH_HEADER_SIZE) {
    return h.sizeInBytes === BATCH_LOG_OVERHEAD && h.baseOffset === 0
      ? 'zero bytes where a batch should start (preallocated or zero-filled tail)'
      : `batch length ${h.sizeInBytes} is smaller than the ${BATCH_HEADER_SIZE}-byte header`;
  }
  if (h.magic !== MAGIC_V2) return `unsupported magic ${h.magic} (expected 2)`;
  if (h.sizeInBytes > left)
    return `batch of ${h.sizeInBytes} bytes is cut off: only ${left} bytes left in the file (torn write)`;
  if (h.recordCount < 0 || h.lastOffsetDelta < 0)
    return `negative record count ${h.recordCount} or last offset delta ${h.lastOffsetDelta}`;
  return undefined;
}

function describeBatch(header: BatchHeader, position: number, buf: Buffer): ScannedBatch {
  const computedCrc = computeBatchCrc(buf, 0, header.sizeInBytes);
  return {
    kind: 'batch',
    position,
    header,
    lastOffset: header.baseOffset + header.lastOffsetDelta,
    compression: CODEC_NAMES[compressionOf(header.attributes)] ?? `unknown(${compressionOf(header.attributes)})`,
    crcValid: computedCrc === header.crc,
    computedCrc,
    transactional: (header.attributes & ATTR_TRANSACTIONAL) !== 0,
    control: (header.attributes & ATTR_CONTROL) !== 0,
    ...((header.attributes & ATTR_CONTROL) !== 0 ? { marker: markerOf(buf, header.sizeInBytes) } : {}),
    timestampType: (header.attributes & ATTR_TIMESTAMP_TYPE_LOG_APPEND) !== 0 ? 'LogAppendTime' : 'CreateTime',
  };
}

function markerOf(buf: Buffer, size: number): ScannedBatch['marker'] {
  const control = readControlRecord(buf, 0, Math.min(size, buf.length));
  if (!control) return undefined;
  const type =
    control.type === CONTROL_TYPE_COMMIT
      ? 'COMMIT'
      : control.type === CONTROL_TYPE_ABORT
        ? 'ABORT'
        : `type ${control.type}`;
  return { type, coordinatorEpoch: control.coordinatorEpoch ?? null };
}

/**
 * Yields each batch, each corruption, then a summary. A CRC mismatch is reported and skipped (the
 * length field still locates the next batch); a bad length or magic, or a cut-off batch, ends the scan.
 */
export async function* scanSegment(path: string, options: { records?: boolean } = {}): AsyncGenerator<ScanEvent> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const summary: ScanSummary = {
      kind: 'summary',
      file: path,
      bytes: size,
      batches: 0,
      records: 0,
      firstOffset: null,
      lastOffset: null,
      validBytes: 0,
      corrupt: 0,
    };
    let pos = 0;
    let expectedNext = baseOffsetOfName(path);
    const corrupt = (message: string, fatal: boolean): Corruption => {
      summary.corrupt++;
      return {
        kind: 'corruption',
        position: pos,
        message,
        fatal,
        ...(summary.lastOffset !== null ? { afterOffset: summary.lastOffset } : {}),
      };
    };
    while (pos < size) {
      const head = await readAt(fh, pos, Math.min(BATCH_HEADER_SIZE, size - pos));
      if (head.length < BATCH_HEADER_SIZE) {
        yield corrupt(`file ends with ${head.length} bytes that are not a whole batch header (torn write)`, true);
        break;
      }
      const header = readBatchHeader(head, 0);
      const problem = headerProblem(header, size - pos);
      if (problem) {
        yield corrupt(problem, true);
        break;
      }
      const buf = await readAt(fh, pos, header.sizeInBytes);
      const batch = describeBatch(header, pos, buf);
      if (batch.crcValid && options.records) {
        try {
          batch.records = (await decodeRecordBatches(buf))[0]?.records ?? [];
        } catch (err) {
          batch.recordError = err instanceof Error ? err.message : String(err);
        }
      }
      yield batch;
      if (!batch.crcValid) {
        yield corrupt(
          `CRC mismatch in batch with offsets ${header.baseOffset}..${batch.lastOffset}: stored ${hex(header.crc)}, computed ${hex(batch.computedCrc)}`,
          false,
        );
      } else if (batch.recordError) {
        yield corrupt(
          `records of batch ${header.baseOffset}..${batch.lastOffset} do not decode: ${batch.recordError}`,
          false,
        );
      } else if (expectedNext !== undefined && header.baseOffset < expectedNext) {
        yield corrupt(
          `batch starts at offset ${header.baseOffset}, below the expected ${expectedNext} (offsets go backwards)`,
          false,
        );
      }
      summary.batches++;
      summary.records += header.recordCount;
      summary.firstOffset ??= header.baseOffset;
      summary.lastOffset = batch.lastOffset;
      expectedNext = batch.lastOffset + 1;
      pos += header.sizeInBytes;
      if (summary.corrupt === 0) summary.validBytes = pos;
    }
    yield summary;
  } finally {
    await fh.close();
  }
}

export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}
