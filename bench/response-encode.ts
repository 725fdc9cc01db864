// The two ways of writing a response frame, in one process, rounds alternating pair by pair: the generic one
// (encodeResponse's wire object, then encodeResponseFrame through @msgpack/msgpack) and the direct one
// (ApiSpec.encodeResponseFrame: schema-byte-writer.ts, the bytes straight from the typed value). Frames: what
// the broker writes per burst at 10,000 records/s, a pushed FetchPush frame of one partition and a Produce
// answer; and a Fetch answer of 16 partitions. CPU ns per frame.
//   node --import tsx bench/response-encode.ts [--pairs 15] [--frames 200000]
import { FetchApi, FetchPushApi, ProduceApi } from '../src/protocol/index.js';
import { encodeResponseFrame } from '../src/protocol/framing.js';
import { numberOptions } from './lib/args.js';

const opt = numberOptions(process.argv.slice(2));
const pairs = opt('pairs', 15);
const frames = opt('frames', 200_000);

const partition = (p: number) => ({
  partition: p,
  errorCode: 0,
  errorMessage: null,
  highWatermark: 1_234_567,
  lastStableOffset: 1_234_567,
  logStartOffset: 0,
  abortedTransactions: null,
  records: [Buffer.alloc(1_000)],
});
const push = {
  throttleTimeMs: 0,
  errorCode: 0,
  final: false,
  topics: [{ name: 'latency', partitions: [partition(0)] }],
};
const produce = {
  throttleTimeMs: 0,
  topics: [
    {
      name: 'latency',
      partitions: [
        { partition: 0, errorCode: 0, errorMessage: null, baseOffset: 1_234_567, logAppendTime: -1, logStartOffset: 0 },
      ],
    },
  ],
};
const fetch = {
  throttleTimeMs: 0,
  errorCode: 0,
  sessionId: 0,
  topics: [{ name: 'replay', partitions: Array.from({ length: 16 }, (_, p) => partition(p)) }],
};

type Api = typeof FetchPushApi | typeof ProduceApi | typeof FetchApi;
type Write = (api: Api, value: unknown) => Buffer[];

const generic: Write = (api, value) => {
  const { body, tail } = api.encodeResponse(value as never);
  return encodeResponseFrame(77, body, tail);
};
const direct: Write = (api, value) => api.encodeResponseFrame(77, value as never);

const cases = [
  { name: 'FetchPush frame, 1 partition', api: FetchPushApi, value: push },
  { name: 'Produce answer, 1 partition', api: ProduceApi, value: produce },
  { name: 'Fetch answer, 16 partitions', api: FetchApi, value: fetch },
];

/** CPU ns per frame of `write` over `frames` frames. */
function nsPerFrame(write: Write, api: Api, value: unknown): number {
  const start = process.cpuUsage();
  let bytes = 0;
  for (let i = 0; i < frames; i++) bytes += write(api, value)[0]!.length;
  const used = process.cpuUsage(start);
  if (bytes === 0) throw new Error('nothing written');
  return ((used.user + used.system) * 1000) / frames;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

for (const { name, api, value } of cases) {
  if (!Buffer.concat(generic(api, value)).equals(Buffer.concat(direct(api, value))))
    throw new Error(`${name}: the two frames differ`);
  nsPerFrame(generic, api, value); // warm-up of both
  nsPerFrame(direct, api, value);
  const g: number[] = [];
  const d: number[] = [];
  const ratios: number[] = [];
  for (let p = 0; p < pairs; p++) {
    // The order swapped every pair.
    let a: number;
    let b: number;
    if (p % 2 === 0) {
      a = nsPerFrame(generic, api, value);
      b = nsPerFrame(direct, api, value);
    } else {
      b = nsPerFrame(direct, api, value);
      a = nsPerFrame(generic, api, value);
    }
    g.push(a);
    d.push(b);
    ratios.push(b / a);
  }
  console.log(
    `${name}: generic ${median(g).toFixed(0)} ns, direct ${median(d).toFixed(0)} ns per frame ` +
      `(medians of ${pairs} pairs); direct / generic median ${median(ratios).toFixed(2)} ` +
      `(${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
  );
}
