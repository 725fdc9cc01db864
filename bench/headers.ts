// In-process micro-benchmark of request header decoding with its bounds (src/protocol/msgpack-bounds.ts):
//   node --import tsx bench/headers.ts [--runs 9]
// 1. Hot path: ns per header for the bounds scan alone and for the whole decodeRequestPayload of a typical
//    Produce and Fetch request header (what every request pays).
// 2. Worst case: how long the event loop is held by one header at the broker's default limits, for the most
//    expensive documents that pass them (maxHeaderItems values of the costliest kinds, maxHeaderBytes of
//    strings) and for documents refused by the scan (a header nested millions deep, one of a million values).
// Prints medians over --runs (and the minimum: on a loaded machine the steadier figure).
import { encode } from '@msgpack/msgpack';
import {
  DEFAULT_REQUEST_HEADER_LIMITS,
  decodeRequestPayload,
  encodeRequestFrame,
  FetchApi,
  ProduceApi,
  scanMsgpack,
} from '../src/protocol/index.js';
import { median } from './lib/stats.js';

const args = process.argv.slice(2);
const at = args.indexOf('--runs');
const runs = at >= 0 ? Number(args[at + 1]) : 9;
const limits = DEFAULT_REQUEST_HEADER_LIMITS;

/** The payload (after the frame length) of a request frame. */
function payloadOf(frame: Buffer[]): Buffer {
  return Buffer.concat(frame).subarray(4);
}

/** A payload whose header is `{ apiKey, apiVersion, correlationId, clientId, body }` with raw body bytes. */
function payloadWithBody(body: Buffer): Buffer {
  const head = Buffer.from(encode({ apiKey: 3, apiVersion: 0, correlationId: 1, clientId: 'bench' }));
  head[0]! += 1;
  const doc = Buffer.concat([head, Buffer.from(encode('body')), body]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(doc.length);
  return Buffer.concat([length, doc]);
}

/** An array32 of `count` copies of `item` (raw msgpack bytes). */
function arrayOf(count: number, item: number[]): Buffer {
  const out = Buffer.alloc(5 + count * item.length);
  out[0] = 0xdd;
  out.writeUInt32BE(count, 1);
  for (let i = 0; i < count; i++) out.set(item, 5 + i * item.length);
  return out;
}

function timeMs(fn: () => void): number {
  const started = performance.now();
  fn();
  return performance.now() - started;
}

function report(name: string, samples: number[], unit: string, scale = 1): void {
  const sorted = [...samples].sort((a, b) => a - b);
  process.stdout.write(
    `${name.padEnd(58)} median ${(median(samples) * scale).toFixed(2).padStart(9)} ${unit}, min ${(sorted[0]! * scale).toFixed(2)}\n`,
  );
}

// 1. Hot path.
const produce = payloadOf(
  encodeRequestFrame(
    { apiKey: ProduceApi.key, apiVersion: 0, correlationId: 123_456, clientId: 'producer-1' },
    { acks: -1, timeoutMs: 30_000, topics: [{ name: 'orders', partitions: [{ partition: 0, recordsBytes: 3 }] }] },
    [Buffer.from('abc')],
  ),
);
const fetch = payloadOf(
  encodeRequestFrame(
    { apiKey: FetchApi.key, apiVersion: 0, correlationId: 123_456, clientId: 'consumer-1' },
    FetchApi.encodeRequest({
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 50 << 20,
      isolationLevel: 0,
      topics: [{ name: 'orders', partitions: [{ partition: 0, fetchOffset: 1_000_000, partitionMaxBytes: 1 << 20 }] }],
    }).body,
  ),
);
const N = 200_000;
for (const [name, payload] of [
  ['Produce', produce],
  ['Fetch', fetch],
] as const) {
  const header = payload.subarray(4, 4 + payload.readUInt32BE(0));
  const scans: number[] = [];
  const decodes: number[] = [];
  for (let r = 0; r < runs; r++) {
    scans.push(
      timeMs(() => {
        for (let i = 0; i < N; i++) scanMsgpack(header, limits);
      }) / N,
    );
    decodes.push(
      timeMs(() => {
        for (let i = 0; i < N; i++) decodeRequestPayload(payload, limits);
      }) / N,
    );
  }
  report(`${name} header (${header.length} B): bounds scan`, scans, 'ns', 1e6);
  report(`${name} header (${header.length} B): decodeRequestPayload (scan included)`, decodes, 'ns', 1e6);
}

// 2. Worst cases at the default limits.
const items = limits.maxHeaderItems - 16; // room for the header's own fields
const passing: Array<[string, Buffer]> = [
  [`${items.toLocaleString('en')} empty maps`, payloadWithBody(arrayOf(items, [0x80]))],
  [`${items.toLocaleString('en')} empty arrays`, payloadWithBody(arrayOf(items, [0x90]))],
  [`${items.toLocaleString('en')} one-letter strings`, payloadWithBody(arrayOf(items, [0xa1, 0x78]))],
  [
    `${items.toLocaleString('en')} 7-byte strings (1 MiB)`,
    payloadWithBody(arrayOf(items - 16_000, [0xa7, 1, 2, 3, 4, 5, 6, 7])),
  ],
  ['one 1 MiB string', payloadWithBody(Buffer.from(encode('x'.repeat(limits.maxHeaderBytes - 100))))],
];
const deep = Buffer.alloc(40 * 1024 * 1024, 0x91);
deep[deep.length - 1] = 0xc0;
const refused: Array<[string, Buffer]> = [
  ['40 MiB nested 40 million deep (issue 11 #1)', payloadWithBody(deep)],
  ['1,000,000 empty maps', payloadWithBody(arrayOf(1_000_000, [0x80]))],
];
for (const [name, payload] of [...passing, ...refused]) {
  const samples: number[] = [];
  let outcome = 'decoded';
  for (let r = 0; r < runs; r++) {
    samples.push(
      timeMs(() => {
        try {
          decodeRequestPayload(payload, limits);
        } catch (error) {
          outcome = (error as Error).message;
        }
      }),
    );
  }
  report(`${name}`, samples, 'ms');
  process.stdout.write(`  → ${outcome}\n`);
}
