// The two ways of reading a frame, in one process, rounds alternating pair by pair (on a shared, loaded
// machine the only comparison that holds): the generic one (decodeResponsePayload or decodeRequestPayload:
// the msgpack decoder's plain objects, then the schema's checks and copy into typed ones) and the direct
// one (locateResponseBody + decodeResponseFrom in the SDK's connection.ts, locateRequestBody +
// decodeRequestFrom in the broker's native wire: the typed value straight from the bytes). Frames: what a
// caught-up consumer and a producer at 10,000 records/s read per burst, a FetchPush frame of one partition
// (~8 records of 100 B in its tail) and a Produce answer, and what the broker reads per burst, the Produce
// request (one partition, 8 records of 100 B in its tail).
//   node --import tsx bench/response-decode.ts [--pairs 15] [--frames 200000]
import { FetchPushApi, ProduceApi } from '../src/protocol/index.js';
import {
  decodeRequestPayload,
  decodeResponsePayload,
  encodeRequestFrame,
  encodeResponseFrame,
  locateRequestBody,
  locateResponseBody,
} from '../src/protocol/framing.js';
import { numberOptions } from './lib/args.js';

const opt = numberOptions(process.argv.slice(2));
const pairs = opt('pairs', 15);
const frames = opt('frames', 200_000);

function payloadOf(frame: Buffer[]): Buffer {
  return Buffer.concat(frame).subarray(4);
}

const partition = { partition: 0, errorCode: 0, errorMessage: null, logStartOffset: 0, abortedTransactions: null };
const push = FetchPushApi.encodeResponse({
  throttleTimeMs: 0,
  errorCode: 0,
  final: false,
  topics: [
    {
      name: 'latency',
      partitions: [
        { ...partition, highWatermark: 1_234_567, lastStableOffset: 1_234_567, records: [Buffer.alloc(1_000)] },
      ],
    },
  ],
});
const produce = ProduceApi.encodeResponse({
  throttleTimeMs: 0,
  topics: [
    {
      name: 'latency',
      partitions: [
        { partition: 0, errorCode: 0, errorMessage: null, baseOffset: 1_234_567, logAppendTime: -1, logStartOffset: 0 },
      ],
    },
  ],
});
const produceRequest = ProduceApi.encodeRequest({
  acks: 1,
  timeoutMs: 30_000,
  topics: [{ name: 'latency', partitions: [{ partition: 0, records: Buffer.alloc(1_000) }] }],
});
const requestHeader = { apiKey: ProduceApi.key, apiVersion: 0, correlationId: 77, clientId: 'latency-producer' };

type Api = typeof FetchPushApi | typeof ProduceApi;
type Read = (api: Api, payload: Buffer) => unknown;

const genericResponse: Read = (api, payload) => {
  const frame = decodeResponsePayload(payload);
  return api.decodeResponse(frame.body, frame.tail, 0);
};
const directResponse: Read = (api, payload) => {
  const located = locateResponseBody(payload)!;
  return api.decodeResponseFrom!(located.header, located.bodyStart, located.tail, 0);
};
const genericRequest: Read = (api, payload) => {
  const frame = decodeRequestPayload(payload);
  return api.decodeRequest(frame.body, frame.tail, frame.apiVersion);
};
const directRequest: Read = (api, payload) => {
  const located = locateRequestBody(payload)!;
  return api.decodeRequestFrom!(located.header, located.bodyStart, located.tail, located.apiVersion);
};

const cases: Array<{ name: string; api: Api; payload: Buffer; generic: Read; direct: Read }> = [
  {
    name: 'FetchPush frame',
    api: FetchPushApi,
    payload: payloadOf(encodeResponseFrame(77, push.body, push.tail)),
    generic: genericResponse,
    direct: directResponse,
  },
  {
    name: 'Produce answer',
    api: ProduceApi,
    payload: payloadOf(encodeResponseFrame(77, produce.body, produce.tail)),
    generic: genericResponse,
    direct: directResponse,
  },
  {
    name: 'Produce request (broker)',
    api: ProduceApi,
    payload: payloadOf(encodeRequestFrame(requestHeader, produceRequest.body, produceRequest.tail)),
    generic: genericRequest,
    direct: directRequest,
  },
];

/** CPU ns per frame of `read` over `frames` frames. */
function nsPerFrame(read: Read, api: Api, payload: Buffer): number {
  const start = process.cpuUsage();
  let kept = 0;
  for (let i = 0; i < frames; i++) if (read(api, payload) !== undefined) kept++;
  const used = process.cpuUsage(start);
  if (kept !== frames) throw new Error('a frame was not read');
  return ((used.user + used.system) * 1000) / frames;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

for (const { name, api, payload, generic, direct } of cases) {
  if (direct(api, payload) === undefined) throw new Error(`${name}: the direct reader gave up`);
  nsPerFrame(generic, api, payload); // warm-up of both
  nsPerFrame(direct, api, payload);
  const g: number[] = [];
  const d: number[] = [];
  const ratios: number[] = [];
  for (let p = 0; p < pairs; p++) {
    // The order swapped every pair.
    let a: number;
    let b: number;
    if (p % 2 === 0) {
      a = nsPerFrame(generic, api, payload);
      b = nsPerFrame(direct, api, payload);
    } else {
      b = nsPerFrame(direct, api, payload);
      a = nsPerFrame(generic, api, payload);
    }
    g.push(a);
    d.push(b);
    ratios.push(b / a);
  }
  console.log(
    `${name} (${payload.length} B): generic ${median(g).toFixed(0)} ns, direct ${median(d).toFixed(0)} ns per frame ` +
      `(medians of ${pairs} pairs); direct / generic median ${median(ratios).toFixed(2)} ` +
      `(${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
  );
}
