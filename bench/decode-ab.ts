// The consumer's decoder (decodeFetchedChunk) of this checkout against another checkout's, in one process,
// rounds alternating pair by pair (on a shared, loaded machine the only comparison that holds):
//   node --import tsx bench/decode-ab.ts <other checkout, e.g. ../client-perf-before> [--pairs 15]
// Input: 100 batches of 1,000 records of 100 B (no key, no headers), decoded in 256 KiB slices as the
// runner does, CRC check off (the consumer's default). Prints CPU ns per record and this / other.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { decodeFetchedChunk } from '../src/client/consumer/decode.js';
import { buildRecordBatchSync } from '../src/records/batch.js';
import { median } from './lib/stats.js';

const args = process.argv.slice(2);
const other = args[0];
if (!other) throw new Error('usage: decode-ab.ts <other checkout> [--pairs N]');
const pairsArg = args.indexOf('--pairs');
const pairs = pairsArg >= 0 ? Number(args[pairsArg + 1]) : 15;
const otherDecode = (
  (await import(pathToFileURL(resolve(other, 'src/client/consumer/decode.ts')).href)) as {
    decodeFetchedChunk: typeof decodeFetchedChunk;
  }
).decodeFetchedChunk;

const value = Buffer.alloc(100, 0x61);
const now = Date.now();
const fetched = Buffer.concat(
  Array.from({ length: 100 }, (_, b) => {
    const batch = buildRecordBatchSync(Array.from({ length: 1000 }, () => ({ key: null, value, timestamp: now })));
    batch.writeBigInt64BE(BigInt(b * 1000), 0);
    return batch;
  }),
);

async function nsPerRecord(decode: typeof decodeFetchedChunk): Promise<number> {
  const start = process.cpuUsage();
  let records = 0;
  for (let round = 0; round < 5; round++) {
    let pos = 0;
    while (pos < fetched.length) {
      const chunk = await decode(fetched, pos, fetched.length, 0, 256 * 1024, false);
      records += chunk.messages.length;
      pos = chunk.pos;
    }
  }
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / records;
}

for (let i = 0; i < 3; i++) {
  await nsPerRecord(otherDecode); // warm-up of both
  await nsPerRecord(decodeFetchedChunk);
}
const before: number[] = [];
const after: number[] = [];
const ratios: number[] = [];
for (let i = 0; i < pairs; i++) {
  const b = await nsPerRecord(otherDecode);
  const a = await nsPerRecord(decodeFetchedChunk);
  before.push(b);
  after.push(a);
  ratios.push(a / b);
}
process.stdout.write(
  `other ${median(before).toFixed(1)} ns/record, this ${median(after).toFixed(1)} ns/record, this / other (median of ${pairs} pairs) ${median(ratios).toFixed(3)}\n`,
);
