// CPU cost of the native protocol's hot-path codec work, without network or broker: the per-request decode,
// validation and encode of Produce and Fetch on both sides, and the SDK's record decoding per record.
//   node --import tsx bench/native-codec.ts [--rounds 9] [--only <text>  (rows whose name contains it)]
// Each row: CPU time (user + system, steadier than wall time on a loaded machine) per operation, median of
// `rounds` rounds of ~150 ms each after a warm-up round. Compare before/after by alternating runs of two
// checkouts (bench/RESULTS.md, "Issue 12: native schema").
import { decodeFetchedChunk } from '../src/client/consumer/decode.js';
import {
  decodeRequestPayload,
  decodeResponsePayload,
  encodeRequestFrame,
  encodeResponseFrame,
} from '../src/protocol/framing.js';
import { FetchApi, type FetchResponse } from '../src/protocol/apis/fetch.js';
import { MetadataApi, type MetadataResponse } from '../src/protocol/apis/metadata.js';
import { ProduceApi } from '../src/protocol/apis/produce.js';
import { buildRecordBatchSync, decodeRecordBatches } from '../src/records/batch.js';
import { median } from './lib/stats.js';

const args = process.argv.slice(2);
const roundsArg = args.indexOf('--rounds');
const ROUNDS = roundsArg >= 0 ? Number(args[roundsArg + 1]) : 9;
const onlyArg = args.indexOf('--only');
const ONLY = onlyArg >= 0 ? args[onlyArg + 1]! : '';
const PARTITIONS = 16;
const ROUND_NS = 150e6;

/** CPU ns per call of `fn` (median of ROUNDS rounds); `perCall` divides further (records per call). */
async function cpuPerOp(fn: () => unknown, perCall = 1): Promise<number> {
  // Calibrate: calls per round so a round takes ~ROUND_NS of CPU.
  let calls = 1;
  for (;;) {
    const start = process.cpuUsage();
    for (let i = 0; i < calls; i++) await fn();
    const used = process.cpuUsage(start);
    const ns = (used.user + used.system) * 1000;
    if (ns > ROUND_NS / 4) {
      calls = Math.max(1, Math.round((calls * ROUND_NS) / ns));
      break;
    }
    calls *= 4;
  }
  const results: number[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const start = process.cpuUsage();
    for (let i = 0; i < calls; i++) await fn();
    const used = process.cpuUsage(start);
    if (round > 0) results.push(((used.user + used.system) * 1000) / (calls * perCall));
  }
  return median(results);
}

const value = Buffer.alloc(100, 0x61);
const now = Date.now();
const batch = (records: number) =>
  buildRecordBatchSync(Array.from({ length: records }, () => ({ key: null, value, timestamp: now })));

// A fetch response's records: 100 batches of 1,000 records, offsets patched as the broker does.
const RECORDS = 1000;
const fetched = Buffer.concat(
  Array.from({ length: 100 }, (_, i) => {
    const b = batch(RECORDS);
    b.writeBigInt64BE(BigInt(i * RECORDS), 0);
    return b;
  }),
);

async function consumerDecode(): Promise<void> {
  let pos = 0;
  while (pos < fetched.length) pos = (await decodeFetchedChunk(fetched, pos, fetched.length, 0, 256 * 1024)).pos;
}

const oneBatch = batch(RECORDS);

// Produce: 1 topic × 16 partitions, one 16 KiB batch each (what a producer with linger sends).
const produceBatches = Array.from({ length: PARTITIONS }, () => batch(140));
const produceRequest = {
  acks: -1 as const,
  timeoutMs: 30_000,
  topics: [{ name: 'bench-topic', partitions: produceBatches.map((records, partition) => ({ partition, records })) }],
};
const produceHeader = { apiKey: 0, apiVersion: 0, correlationId: 1, clientId: 'bench' };
const producePayload = (() => {
  const { body, tail } = ProduceApi.encodeRequest(produceRequest);
  return Buffer.concat(encodeRequestFrame(produceHeader, body, tail)).subarray(4);
})();

// Fetch: 1 topic × 16 partitions on both sides.
const fetchRequest = {
  maxWaitMs: 500,
  minBytes: 1,
  maxBytes: 50 * 1024 * 1024,
  isolationLevel: 0,
  topics: [
    {
      name: 'bench-topic',
      partitions: Array.from({ length: PARTITIONS }, (_, partition) => ({
        partition,
        fetchOffset: 123_456_789,
        partitionMaxBytes: 1024 * 1024,
      })),
    },
  ],
};
const fetchRequestPayload = Buffer.concat(
  encodeRequestFrame({ ...produceHeader, apiKey: 1 }, FetchApi.encodeRequest(fetchRequest).body),
).subarray(4);
const fetchResponse: FetchResponse = {
  throttleTimeMs: 0,
  errorCode: 0,
  topics: [
    {
      name: 'bench-topic',
      partitions: produceBatches.map((records, partition) => ({
        partition,
        errorCode: 0,
        errorMessage: null,
        highWatermark: 123_456_789,
        lastStableOffset: 123_456_789,
        logStartOffset: 0,
        abortedTransactions: null,
        records: [records],
      })),
    },
  ],
};
const fetchResponsePayload = (() => {
  const { body, tail } = FetchApi.encodeResponse(fetchResponse);
  return Buffer.concat(encodeResponseFrame(1, body, tail)).subarray(4);
})();

// Metadata of 100 topics × 16 partitions (the SDK's largest routine response).
const metadataResponse: MetadataResponse = {
  throttleTimeMs: 0,
  brokers: [{ nodeId: 0, host: '127.0.0.1', port: 9650 }],
  clusterId: 'sluice',
  controllerId: 0,
  topics: Array.from({ length: 100 }, (_, t) => ({
    name: `topic-${t}`,
    errorCode: 0,
    errorMessage: null,
    isInternal: false,
    partitions: Array.from({ length: PARTITIONS }, (_, partition) => ({
      partition,
      errorCode: 0,
      leader: 0,
      replicas: [0],
      isr: [0],
    })),
  })),
};
const metadataPayload = Buffer.concat(
  encodeResponseFrame(1, MetadataApi.encodeResponse(metadataResponse).body),
).subarray(4);

const rows: Array<[string, string, () => unknown, number]> = [
  ['consumer decode (decodeFetchedChunk)', 'record', consumerDecode, 100 * RECORDS],
  ['decodeRecordBatches', 'record', () => decodeRecordBatches(oneBatch), RECORDS],
  [
    'broker: Produce request frame decode + validate (16 partitions)',
    'request',
    () => {
      const frame = decodeRequestPayload(producePayload);
      return ProduceApi.decodeRequest(frame.body, frame.tail, frame.apiVersion);
    },
    1,
  ],
  [
    'SDK: Produce request encode + frame (16 partitions)',
    'request',
    () => {
      const { body, tail } = ProduceApi.encodeRequest(produceRequest);
      return encodeRequestFrame(produceHeader, body, tail);
    },
    1,
  ],
  [
    'broker: Fetch request frame decode + validate (16 partitions)',
    'request',
    () => {
      const frame = decodeRequestPayload(fetchRequestPayload);
      return FetchApi.decodeRequest(frame.body, frame.tail, frame.apiVersion);
    },
    1,
  ],
  [
    'broker: Fetch response encode + frame (16 partitions)',
    'response',
    () => {
      const { body, tail } = FetchApi.encodeResponse(fetchResponse);
      return encodeResponseFrame(1, body, tail);
    },
    1,
  ],
  [
    'SDK: Fetch response frame decode + validate (16 partitions)',
    'response',
    () => {
      const frame = decodeResponsePayload(fetchResponsePayload);
      return FetchApi.decodeResponse(frame.body, frame.tail, 0);
    },
    1,
  ],
  [
    'SDK: Metadata response decode + validate (100 topics × 16)',
    'response',
    () => MetadataApi.decodeResponse(decodeResponsePayload(metadataPayload).body, Buffer.alloc(0), 0),
    1,
  ],
];

for (const [name, unit, fn, perCall] of rows) {
  if (!name.includes(ONLY)) continue;
  const ns = await cpuPerOp(fn, perCall);
  process.stdout.write(`${name}: ${ns.toFixed(ns < 100 ? 1 : 0)} ns per ${unit}\n`);
}
