// CPU cost per record of the SDK's in-process hot paths, without network or broker (steady on a loaded
// machine, unlike end-to-end figures): producer enqueue+encode and consumer decode.
//   node --import tsx bench/lib/sdk-paths.ts
import { buildRecordBatchSync } from '../../src/records/batch.js';
import { decodeFetchedChunk } from '../../src/client/consumer/decode.js';
import { createDefaultPartitioner } from '../../src/records/partitioners.js';
import { median } from './stats.js';

const RECORDS = 1000;
const BATCHES = 200;
const value = Buffer.alloc(100, 0x61);
const records = Array.from({ length: RECORDS }, () => ({ key: null, value, timestamp: Date.now() }));
const batches = Array.from({ length: BATCHES }, () => buildRecordBatchSync(records));
let offset = 0;
for (const b of batches) {
  b.writeBigInt64BE(BigInt(offset), 0);
  offset += RECORDS;
}
const bytes = Buffer.concat(batches);

async function decodeOnce(): Promise<number> {
  const t = performance.now();
  let pos = 0;
  let n = 0;
  while (pos < bytes.length) {
    const chunk = await decodeFetchedChunk(bytes, pos, bytes.length, 0, 256 * 1024);
    n += chunk.messages.length;
    pos = chunk.pos;
  }
  return ((performance.now() - t) * 1e6) / n;
}

function encodeOnce(): number {
  const t = performance.now();
  for (let i = 0; i < BATCHES; i++) buildRecordBatchSync(records);
  return ((performance.now() - t) * 1e6) / (BATCHES * RECORDS);
}

function partitionOnce(): number {
  const partitioner = createDefaultPartitioner();
  const partitionMetadata = Array.from({ length: 4 }, (_, i) => ({ partitionId: i, leader: 0 }));
  const message = { value };
  const n = BATCHES * RECORDS;
  const t = performance.now();
  for (let i = 0; i < n; i++) partitioner({ topic: 't', partitionMetadata, message });
  return ((performance.now() - t) * 1e6) / n;
}

const d: number[] = [];
const e: number[] = [];
const p: number[] = [];
for (let i = 0; i < 7; i++) {
  d.push(await decodeOnce());
  e.push(encodeOnce());
  p.push(partitionOnce());
}
process.stdout.write(
  `ns per record (median of 7): consumer decode ${median(d).toFixed(0)}, batch encode ${median(e).toFixed(0)}, default partitioner (no key) ${median(p).toFixed(0)}\n`,
);
