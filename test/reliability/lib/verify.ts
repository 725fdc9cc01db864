// What a user checks after a crash, in two views:
//  - the files (`scanDataDir`): every segment scanned batch by batch with the same scanner `sluice
//    dump-log` uses (CRC-32C of every batch, records decoded), offsets dense across segments;
//  - the broker (`checkAcked`): every acknowledged record is present exactly once at the offset it was
//    acknowledged with, and each producer's records are stored in the order it sent them, with no gaps.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { scanSegment, type Corruption } from '../../../cli/lib/segment-scan.js';
import type { DecodedRecord } from '../../../src/records/index.js';
import { parseValue, type ProducerRun } from './load.js';

export interface PartitionScan {
  dir: string;
  segments: string[];
  /** Records of the sound prefix of the log, in file order. */
  records: Array<{ offset: number; value: string }>;
  corruptions: Array<Corruption & { file: string; lastSegment: boolean }>;
  /** Offsets that are not dense (first gap or overlap found), as a sentence. */
  denseProblem?: string;
}

export async function scanPartitionDir(dir: string): Promise<PartitionScan> {
  const segments = (await readdir(dir)).filter((n) => /^\d{20}\.log$/.test(n)).sort();
  const scan: PartitionScan = { dir, segments, records: [], corruptions: [] };
  let expected: number | undefined;
  for (let i = 0; i < segments.length; i++) {
    const file = join(dir, segments[i]!);
    let bad = false;
    for await (const event of scanSegment(file, { records: true })) {
      if (event.kind === 'corruption') {
        scan.corruptions.push({ ...event, file, lastSegment: i === segments.length - 1 });
        bad = true;
      }
      if (event.kind !== 'batch' || bad || !event.crcValid) continue;
      if (expected !== undefined && event.header.baseOffset !== expected) {
        scan.denseProblem ??= `${file} byte ${event.position}: batch starts at offset ${event.header.baseOffset}, expected ${expected}`;
      }
      expected = event.lastOffset + 1;
      for (const r of event.records ?? [])
        scan.records.push({ offset: r.offset, value: r.value?.toString('utf8') ?? '' });
    }
    if (bad) break;
  }
  return scan;
}

/** Every `<topic>-<n>` directory of the topic, scanned. */
export async function scanTopic(dataDir: string, topic: string): Promise<Map<number, PartitionScan>> {
  const out = new Map<number, PartitionScan>();
  for (const name of await readdir(dataDir)) {
    const m = new RegExp(`^${topic.replace(/[.]/g, '\\.')}-(\\d+)$`).exec(name);
    if (m) out.set(Number(m[1]), await scanPartitionDir(join(dataDir, name)));
  }
  return out;
}

/**
 * Checks one partition's stored records against what producers were told. Returns problems as
 * sentences (empty = fine). `stored` is the partition from offset 0 to its end.
 */
export function checkAcked(stored: Array<{ offset: number; value: string }>, runs: ProducerRun[]): string[] {
  const problems: string[] = [];
  stored.forEach((r, i) => {
    if (r.offset !== i && problems.length < 5)
      problems.push(`offsets not dense: position ${i} holds offset ${r.offset}`);
  });
  const byOffset = new Map(stored.map((r) => [r.offset, r.value]));
  const seen = new Map<string, number>();
  const seqs = new Map<string, number[]>();
  for (const r of stored) {
    const bare = r.value.split('|')[0]!;
    seen.set(bare, (seen.get(bare) ?? 0) + 1);
    const { tag, seq } = parseValue(r.value);
    seqs.set(tag, [...(seqs.get(tag) ?? []), seq]);
  }
  for (const [value, n] of seen) if (n > 1 && problems.length < 10) problems.push(`${value} stored ${n} times`);
  for (const run of runs) {
    for (const a of run.acked) {
      const got = byOffset.get(a.offset)?.split('|')[0];
      if (got !== a.value && problems.length < 10)
        problems.push(`acknowledged ${a.value} at offset ${a.offset}, found ${got ?? 'nothing'}`);
    }
    // Requests go one connection, in order, through one serial appender: what is stored of a producer
    // is a gap-free prefix of what it sent, in send order.
    const s = seqs.get(run.tag) ?? [];
    if (s.some((v, i) => v !== i) && problems.length < 10)
      problems.push(`${run.tag}: stored sequence is not 0..${s.length - 1} in order: ${s.slice(0, 20).join(',')}`);
  }
  return problems;
}

export const asStored = (records: DecodedRecord[]) =>
  records.map((r) => ({ offset: r.offset, value: r.value?.toString('utf8') ?? '' }));
