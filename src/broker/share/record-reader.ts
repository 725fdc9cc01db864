// Reads records from a partition's log for a share-partition: the one place the broker decodes records
// (only on the share path; produce and fetch never do), to read the headers share groups act on.
import type { PartitionLog } from '../../../storage/index.js';
import { DELIVER_AT_HEADER, decodeRecordBatches, MAX_PRIORITY, PRIORITY_HEADER } from '../../records/index.js';
import type { HeaderPairs } from '../../records/index.js';
import type { ShareRecord } from './share-partition.js';

/** Bytes read from the log per load: enough for a window of small records, bounded for large ones. */
const READ_BYTES = 1024 * 1024;

export interface ReadShareRecords {
  records: ShareRecord[];
  /** Where the next read starts. */
  nextOffset: number;
}

/** Records at or after `from` (at most `maxRecords`, at least one whole batch when there is one). */
export async function readShareRecords(log: PartitionLog, from: number, maxRecords: number): Promise<ReadShareRecords> {
  const start = Math.max(from, log.logStartOffset);
  if (start >= log.logEndOffset || maxRecords <= 0) return { records: [], nextOffset: start };
  const read = await log.read(start, { maxBytes: READ_BYTES });
  if (read.chunks.length === 0) return { records: [], nextOffset: start };
  // One copy: the window keeps records for as long as they are in flight, longer than any read buffer lives.
  const bytes = Buffer.concat(read.chunks);
  const records: ShareRecord[] = [];
  let nextOffset = start;
  for (const batch of await decodeRecordBatches(bytes)) {
    for (const record of batch.records) {
      if (record.offset < start) continue;
      if (records.length >= maxRecords) return { records, nextOffset };
      records.push({
        offset: record.offset,
        timestamp: record.timestamp,
        key: record.key,
        value: record.value,
        headers: record.headers,
        priority: priorityOf(record.headers),
        deliverAt: deliverAtOf(record.headers),
      });
      nextOffset = record.offset + 1;
    }
    nextOffset = Math.max(nextOffset, batch.header.baseOffset + batch.header.lastOffsetDelta + 1);
  }
  return { records, nextOffset };
}

/**
 * The records at these offsets (one read each: parked records read back after a restart); `gone` lists the
 * offsets the log no longer has (retention or compaction removed them).
 */
export async function readShareRecordsAt(
  log: PartitionLog,
  offsets: readonly number[],
): Promise<{ records: ShareRecord[]; gone: number[] }> {
  const records: ShareRecord[] = [];
  const gone: number[] = [];
  for (const offset of offsets) {
    const found = offset >= log.logStartOffset ? (await readShareRecords(log, offset, 1)).records[0] : undefined;
    if (found?.offset === offset) records.push(found);
    else gone.push(offset);
  }
  return { records, gone };
}

function header(headers: HeaderPairs, name: string): string | undefined {
  for (let i = headers.length - 1; i >= 0; i--) {
    const [key, value] = headers[i]!;
    if (key === name) return value?.toString('latin1');
  }
  return undefined;
}

/** sluice-priority: "0".."9"; anything else (absent, garbled) is the default, 0. */
export function priorityOf(headers: HeaderPairs): number {
  if (headers.length === 0) return 0;
  const text = header(headers, PRIORITY_HEADER);
  if (text === undefined || !/^\d$/.test(text)) return 0;
  return Math.min(Number(text), MAX_PRIORITY);
}

/** sluice-deliver-at: ms since the epoch as a decimal string; anything else means now (0). */
export function deliverAtOf(headers: HeaderPairs): number {
  if (headers.length === 0) return 0;
  const text = header(headers, DELIVER_AT_HEADER);
  if (text === undefined || !/^\d{1,16}$/.test(text)) return 0;
  const at = Number(text);
  return Number.isSafeInteger(at) ? at : 0;
}
