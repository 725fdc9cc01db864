// What the disk held durably at the moment of a power cut, read back from the files themselves (the
// cut's report): the records of every partition (the valid, dense prefix of its segments), topics.json,
// the group offsets log, the producer-id reservation. No cut may take any of it away: it is what the
// broker had made durable, acknowledged or not.
import { join } from 'node:path';
import { iterateBatches } from '../../../storage/index.js';
import { decodeEntry } from '../../../src/broker/groups/offsets-codec.js';
import { decodeRecordBatches } from '../../../src/records/index.js';

export interface DurableTopicsFile {
  topics: Record<string, { partitions: number; configs?: Record<string, string> }>;
  deleting?: string[];
}

export interface DurableState {
  /** `<topic>/<partition>` → records of the durable valid prefix, in offset order. */
  records: Map<string, Array<{ offset: number; value: string }>>;
  topicsFile: DurableTopicsFile | undefined;
  /** `<group>/<topic>/<partition>` → the last committed offset in the durable offsets log. */
  commits: Map<string, number>;
  /** nextBlockStart of the durable producer-id reservation (0 when there is none). */
  producerIdMark: number;
  /** Problems found in the durable files themselves (a durable metadata file must never be garbled). */
  problems: string[];
}

/** A record's value without its padding ("<tag>-<seq>|xxx" → "<tag>-<seq>"). */
export const bareValue = (value: Buffer | null) => (value?.toString('utf8') ?? '').split('|')[0]!;

export const tpKey = (topic: string, partition: number) => `${topic}/${partition}`;
export const commitKey = (group: string, topic: string, partition: number) => `${group}/${topic}/${partition}`;

const SEGMENT = /^(.*)-(\d+)\/(\d{20})\.log$/;

/** The valid, dense prefix of a partition's segments (sorted by base offset), as whole batches. */
function validPrefix(segments: Buffer[]): Buffer {
  const kept: Buffer[] = [];
  let expected: number | undefined;
  for (const bytes of segments) {
    let end = 0;
    try {
      for (const { header, position } of iterateBatches(bytes)) {
        if (expected !== undefined && header.baseOffset !== expected) break;
        expected = header.baseOffset + header.lastOffsetDelta + 1;
        end = position + header.sizeInBytes;
      }
    } catch {
      // the first invalid batch ends the prefix
    }
    kept.push(bytes.subarray(0, end));
    if (end < bytes.length) break;
  }
  return Buffer.concat(kept);
}

async function partitionRecords(
  files: Map<string, Buffer[]>,
): Promise<Map<string, Array<{ offset: number; value: string }>>> {
  const out = new Map<string, Array<{ offset: number; value: string }>>();
  for (const [key, segments] of files) {
    const records: Array<{ offset: number; value: string }> = [];
    for (const batch of await decodeRecordBatches(validPrefix(segments)))
      for (const r of batch.records) records.push({ offset: r.offset, value: bareValue(r.value) });
    out.set(key, records);
  }
  return out;
}

function parseJson<T>(bytes: Buffer | undefined, name: string, problems: string[]): T | undefined {
  if (!bytes) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    problems.push(`durable ${name} is garbled (${bytes.length} bytes)`);
    return undefined;
  }
}

export async function durableState(files: ReadonlyMap<string, Buffer>, dataDir: string): Promise<DurableState> {
  const problems: string[] = [];
  const segments = new Map<string, Map<number, Buffer>>();
  const offsetsLog = new Map<number, Buffer>();
  const internal = join(dataDir, '__internal', '__consumer_offsets-0');
  for (const [path, bytes] of files) {
    if (path.startsWith(`${internal}/`)) {
      const m = /(\d{20})\.log$/.exec(path.slice(internal.length + 1));
      if (m) offsetsLog.set(Number(m[1]), bytes);
      continue;
    }
    if (!path.startsWith(`${dataDir}/`)) continue;
    const m = SEGMENT.exec(path.slice(dataDir.length + 1));
    if (!m || m[1]!.includes('/')) continue;
    const key = tpKey(m[1]!, Number(m[2]));
    if (!segments.has(key)) segments.set(key, new Map());
    segments.get(key)!.set(Number(m[3]), bytes);
  }
  const ordered = (byBase: Map<number, Buffer>) => [...byBase].sort((a, b) => a[0] - b[0]).map(([, b]) => b);
  const records = await partitionRecords(new Map([...segments].map(([k, v]) => [k, ordered(v)])));

  const commits = new Map<string, number>();
  for (const batch of await decodeRecordBatches(validPrefix(ordered(offsetsLog)))) {
    for (const r of batch.records) {
      const entry = decodeEntry(r.key, r.value);
      if (entry?.kind === 'offset')
        commits.set(commitKey(entry.groupId, entry.topic, entry.partition), entry.value?.offset ?? -1);
    }
  }
  const topicsFile = parseJson<DurableTopicsFile>(files.get(join(dataDir, 'topics.json')), 'topics.json', problems);
  const mark = parseJson<{ nextBlockStart?: number }>(
    files.get(join(dataDir, '__internal', 'producer-ids.json')),
    'producer-ids.json',
    problems,
  );
  parseJson(files.get(join(dataDir, 'meta.json')), 'meta.json', problems);
  return { records, topicsFile, commits, producerIdMark: mark?.nextBlockStart ?? 0, problems };
}
