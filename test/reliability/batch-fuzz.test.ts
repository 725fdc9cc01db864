// Fuzzing produce-time batch validation (issue 11, item 3): random mutations of valid batches, compressed and
// not (test/reliability/lib/batch-mutations.ts), against a live broker. Each one must be either refused with
// a clear error (a code a producer can act on and a message naming the batch), storing nothing, or stored and
// readable whole by the SDK consumer — never stored and unreadable. SLUICE_SEED=<n> replays a run;
// `bench/soak/batch-fuzz.ts --seconds N` is the longer variant against a `sluice serve` process.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decodeFetchedChunk, scanFetchedRecords } from '../../src/client/consumer/decode.js';
import { logLevel, Sluice } from '../../src/client/index.js';
import { ErrorCode } from '../../src/protocol/index.js';
import { type CompressionCodec, isCodecAvailable } from '../../src/records/index.js';
import { createTopic, fetchPartition, produce, startBroker, type TestBroker } from '../helpers/broker.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { BATCH_MUTATIONS, mutatedBatch, type BatchMutation } from './lib/batch-mutations.js';
import { rng } from './lib/rng.js';

const ROUNDS = 400;
const PARTITIONS = 4;
const REFUSALS = new Set([ErrorCode.CORRUPT_MESSAGE, ErrorCode.INVALID_RECORD, ErrorCode.INVALID_TIMESTAMP]);

let t: TestBroker;
beforeAll(async () => {
  t = await startBroker();
});
afterAll(async () => {
  await t.stop();
  await removeTempDirs();
});

it('every mutated batch is refused with a clear error or stored and readable by the SDK consumer', async () => {
  const random = rng();
  const context = `seed ${random.seed}`;
  const codecs: CompressionCodec[] = [];
  for (const codec of [0, 1, 2, 3, 4] as CompressionCodec[]) if (await isCodecAvailable(codec)) codecs.push(codec);
  const c = await t.client();
  await createTopic(c, 'fuzz', PARTITIONS);
  const ends = new Array<number>(PARTITIONS).fill(0);
  const tally = Object.fromEntries(BATCH_MUTATIONS.map((k) => [k, { stored: 0, refused: 0 }])) as Record<
    BatchMutation,
    { stored: number; refused: number }
  >;
  for (let round = 0; round < ROUNDS; round++) {
    const p = round % PARTITIONS;
    const { bytes, kind, codec } = await mutatedBatch(random, codecs);
    const what = `${context}, round ${round}, ${kind}, codec ${codec}, batch ${bytes.toString('hex')}`;
    const res = await produce(c, 'fuzz', p, bytes);
    if (res.errorCode !== ErrorCode.NONE) {
      tally[kind].refused++;
      expect(REFUSALS.has(res.errorCode), `${what}: ${res.errorCode} ${res.errorMessage}`).toBe(true);
      expect(res.errorMessage, what).toMatch(new RegExp(`^fuzz-${p}: batch 0 \\(at byte 0\\): \\S`));
      if (kind === 'flip-no-crc') expect(res.errorCode, what).toBe(ErrorCode.CORRUPT_MESSAGE);
      expect(kind, what).not.toBe('valid');
      continue;
    }
    tally[kind].stored++;
    // Stored: dense after every refusal, and the SDK consumer's decoder reads all of it (CRC checked too).
    expect(res.baseOffset, what).toBe(ends[p]);
    const records = bytes.readInt32BE(57);
    const fetched = Buffer.concat((await fetchPartition(c, 'fuzz', p, res.baseOffset)).records);
    const { end } = scanFetchedRecords(fetched, res.baseOffset);
    const { messages } = await decodeFetchedChunk(fetched, 0, end, res.baseOffset, Number.POSITIVE_INFINITY, true);
    expect(messages.length, what).toBe(records);
    ends[p] += records;
  }
  const summary = `${context}, ${JSON.stringify(tally)}`;
  expect(tally.valid.refused, summary).toBe(0);
  expect(tally['flip-no-crc'].stored, summary).toBe(0);
  // The mutations reach the record checks: most damaged batches are refused, some survive as valid data.
  for (const kind of BATCH_MUTATIONS.filter((k) => k !== 'valid' && k !== 'flip-no-crc'))
    expect(tally[kind].refused, `${kind}: ${summary}`).toBeGreaterThan(0);

  // Finally a real SDK consumer reads every partition to its end: no crash, every stored record delivered.
  const consumer = new Sluice({
    clientId: 'fuzz',
    brokers: [`127.0.0.1:${t.port}`],
    logLevel: logLevel.NOTHING,
  }).consumer({ maxWaitTimeInMs: 50 });
  const crashes: unknown[] = [];
  consumer.on(consumer.events.CRASH, (e) => crashes.push(e.payload));
  const delivered = new Array<number>(PARTITIONS).fill(0);
  await consumer.connect();
  await consumer.subscribe({ topics: ['fuzz'], fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      delivered[batch.partition]! += batch.messages.length;
    },
  });
  await waitFor(() => crashes.length > 0 || delivered.every((n, p) => n >= ends[p]!), {
    timeoutMs: 20_000,
    intervalMs: 20,
    message: `every stored record delivered (${summary})`,
  });
  await consumer.disconnect();
  expect(crashes, summary).toEqual([]);
  expect(delivered, summary).toEqual(ends);
}, 120_000);
