// Long batch-validation soak: `node --import tsx bench/soak/batch-fuzz.ts --seconds 60 [--seed n]`.
// A `sluice serve` child is sent mutated record batches (test/reliability/lib/batch-mutations.ts: valid
// batches of every available codec, damaged with and without a recomputed CRC, inside and outside their
// compressed payload) on 4 partitions for the given time. Every refusal must carry a clear code and name
// the batch; every stored batch must be read whole by the SDK consumer's decoder right away, and at the end
// a real SDK consumer must read every partition to its end. Exits 1 on any failure. Build first.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeFetchedChunk, scanFetchedRecords } from '../../src/client/consumer/decode.js';
import { logLevel, Sluice } from '../../src/client/index.js';
import { ErrorCode } from '../../src/protocol/index.js';
import { type CompressionCodec, isCodecAvailable } from '../../src/records/index.js';
import { createTopic, fetchPartition, produce } from '../../test/helpers/broker.js';
import { startSluice } from '../../test/helpers/sluice-process.js';
import { WireClient } from '../../test/helpers/wire-client.js';
import { BATCH_MUTATIONS, type BatchMutation, mutatedBatch } from '../../test/reliability/lib/batch-mutations.js';
import { rssOf } from '../../test/reliability/lib/hostile.js';
import { rng } from '../../test/reliability/lib/rng.js';
import { soakArgs } from './args.js';

const MiB = 1024 * 1024;
const PARTITIONS = 4;
const REFUSALS = new Set([ErrorCode.CORRUPT_MESSAGE, ErrorCode.INVALID_RECORD, ErrorCode.INVALID_TIMESTAMP]);
const args = soakArgs({ seconds: 60 });
const random = rng(args.seed);
const dataDir = await mkdtemp(join(tmpdir(), 'sluice-soak-batch-fuzz-'));
const proc = await startSluice(['--data-dir', dataDir, '--port', '0']);
const pid = proc.child.pid!;
const c = await WireClient.connect(proc.port);
await createTopic(c, 'fuzz', PARTITIONS);
const codecs: CompressionCodec[] = [];
for (const codec of [0, 1, 2, 3, 4] as CompressionCodec[]) if (await isCodecAvailable(codec)) codecs.push(codec);
console.log(`batch fuzz soak: ${args.seconds} s, seed ${random.seed}, codecs ${codecs.join(',')}, broker pid ${pid}`);

const rss0 = await rssOf(pid);
let peakRss = 0;
const ends = new Array<number>(PARTITIONS).fill(0);
const tally = Object.fromEntries(BATCH_MUTATIONS.map((k) => [k, { stored: 0, refused: 0 }])) as Record<
  BatchMutation,
  { stored: number; refused: number }
>;
const codes = new Map<number, number>();
const problems: string[] = [];
const end = Date.now() + args.seconds * 1000;
for (let round = 0; Date.now() < end && proc.child.exitCode === null && problems.length < 10; round++) {
  const p = round % PARTITIONS;
  const { bytes, kind, codec } = await mutatedBatch(random, codecs);
  const what = `round ${round}, ${kind}, codec ${codec}, batch ${bytes.toString('hex')}`;
  const res = await produce(c, 'fuzz', p, bytes);
  if (res.errorCode !== ErrorCode.NONE) {
    tally[kind].refused++;
    codes.set(res.errorCode, (codes.get(res.errorCode) ?? 0) + 1);
    if (!REFUSALS.has(res.errorCode)) problems.push(`${what}: unexpected code ${res.errorCode} ${res.errorMessage}`);
    if (!new RegExp(`^fuzz-${p}: batch 0 \\(at byte 0\\): \\S`).test(res.errorMessage ?? ''))
      problems.push(`${what}: message does not name the batch: ${res.errorMessage}`);
    if (kind === 'valid' || (kind === 'flip-no-crc' && res.errorCode !== ErrorCode.CORRUPT_MESSAGE))
      problems.push(`${what}: refused with ${res.errorCode} ${res.errorMessage}`);
  } else {
    tally[kind].stored++;
    if (res.baseOffset !== ends[p]) problems.push(`${what}: stored at ${res.baseOffset}, expected ${ends[p]}`);
    const records = bytes.readInt32BE(57);
    const fetched = Buffer.concat((await fetchPartition(c, 'fuzz', p, res.baseOffset)).records);
    try {
      const { messages } = await decodeFetchedChunk(
        fetched,
        0,
        scanFetchedRecords(fetched, res.baseOffset).end,
        res.baseOffset,
        Number.POSITIVE_INFINITY,
        true,
      );
      if (messages.length !== records) problems.push(`${what}: ${messages.length} of ${records} records decoded`);
    } catch (error) {
      problems.push(`${what}: stored but unreadable: ${(error as Error).message}`);
    }
    ends[p] = res.baseOffset + records;
  }
  if (round % 200 === 0) peakRss = Math.max(peakRss, (await rssOf(pid)) - rss0);
}
c.destroy();

const consumer = new Sluice({
  clientId: 'soak',
  brokers: [`127.0.0.1:${proc.port}`],
  logLevel: logLevel.NOTHING,
}).consumer({ maxWaitTimeInMs: 50 });
const crashes: string[] = [];
consumer.on(consumer.events.CRASH, (e) => crashes.push(String((e.payload as { error: Error }).error.message)));
const delivered = new Array<number>(PARTITIONS).fill(0);
await consumer.connect();
await consumer.subscribe({ topics: ['fuzz'], fromBeginning: true });
await consumer.run({
  eachBatch: async ({ batch }) => {
    delivered[batch.partition]! += batch.messages.length;
  },
});
const deadline = Date.now() + 60_000;
while (delivered.some((n, p) => n < ends[p]!) && crashes.length === 0 && Date.now() < deadline)
  await new Promise((r) => setTimeout(r, 50));
await consumer.disconnect();
if (crashes.length > 0) problems.push(`the SDK consumer crashed: ${crashes[0]}`);
if (delivered.some((n, p) => n !== ends[p])) problems.push(`consumer delivered ${delivered} of ${ends} records`);

const alive = proc.child.exitCode === null;
const rounds = Object.values(tally).reduce((n, t) => n + t.stored + t.refused, 0);
console.log(`${rounds} batches: ${JSON.stringify(tally)}`);
console.log(`refusals by code: ${JSON.stringify(Object.fromEntries(codes))}; records stored per partition: ${ends}`);
console.log(`broker alive: ${alive}; peak RSS growth ${(peakRss / MiB).toFixed(1)} MiB; problems: ${problems.length}`);
for (const p of problems) console.log(`  ${p}`);
const ok = alive && problems.length === 0;
if (alive) await proc.kill('SIGTERM');
if (ok) await rm(dataDir, { recursive: true, force: true });
process.exit(ok ? 0 : 1);
