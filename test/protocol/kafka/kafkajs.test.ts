// Byte-exact agreement with an independent implementation: kafkajs 2.2.4's protocol modules. Requests: the
// bytes kafkajs encodes are the bytes Sluice encodes for the same request, and Sluice decodes them to that
// request. Responses: what Sluice encodes, kafkajs's decoder reads back field for field.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, encodeRequestFrame, Fetch } from '../../../src/protocol/kafka/index.js';
import { KAFKAJS_CASES } from './kafkajs-cases.js';

const require = createRequire(import.meta.url);
const kafkajs = (path: string) => require(`kafkajs/src/protocol/${path}`);

async function kafkajsRequest(dir: string, version: number, args: unknown) {
  const request = kafkajs(`requests/${dir}/v${version}/request`)(args);
  return { request, body: (await request.encode()).buffer as Buffer };
}

/**
 * kafkajs conventions, undone so its output compares with plain values: int64s it leaves as Long objects
 * become strings (as its other int64s are), and where the broker throttles after answering (KIP-219) it
 * reports the broker's throttle as `clientSideThrottleTime` beside `throttleTime: 0`.
 */
function normalize(value: unknown): unknown {
  if (typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return value.map(normalize);
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  const obj = value as Record<string, unknown>;
  if (obj.constructor?.name === 'Long') return String(value);
  const out = Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, normalize(v)]));
  if ('clientSideThrottleTime' in out) out.throttleTime = out.clientSideThrottleTime;
  return out;
}

const requestCases = KAFKAJS_CASES.flatMap((c) => c.versions.map((version) => ({ name: c.api.name, version, c })));

describe('kafkajs 2.2.4 agrees', () => {
  it.each(requestCases)('$name v$version request: same bytes both ways', async ({ version, c }) => {
    const { kafkajs: args, ours } = c.request(version);
    const { request, body } = await kafkajsRequest(c.dir, version, args);
    expect(request.apiKey).toBe(c.api.key);
    expect(request.apiVersion).toBe(version);

    const decoded = decodeMessage(c.api.request, version, body) as Record<string, unknown>;
    expect(decoded).toMatchObject(ours);
    // Produce's records are kafkajs's own RecordBatch encoding: whatever it sent is what Sluice must re-send.
    const value = c.api.key === 0 ? decoded : ours;
    expect(Buffer.concat(encodeMessage(c.api.request, version, value as never))).toEqual(body);
  });

  it.each(requestCases)(
    '$name v$version request: the whole frame matches kafkajs (header v1)',
    async ({ version, c }) => {
      const { kafkajs: args } = c.request(version);
      const { request } = await kafkajsRequest(c.dir, version, args);
      const kafkajsFrame = (await kafkajs('request')({ correlationId: 42, clientId: 'sluice-test', request }))
        .buffer as Buffer;
      const { body } = await kafkajsRequest(c.dir, version, args);
      const decoded = decodeMessage(c.api.request, version, body);
      const ours = Buffer.concat(
        encodeRequestFrame(c.api, version, { correlationId: 42, clientId: 'sluice-test' }, decoded as never),
      );
      expect(ours).toEqual(kafkajsFrame);
    },
  );

  it.each(requestCases)('$name v$version response: kafkajs decodes what Sluice encodes', async ({ version, c }) => {
    const { ours, kafkajs: expected } = c.response(version);
    const bytes = Buffer.concat(encodeMessage(c.api.response, version, ours as never));
    const module = kafkajs(`requests/${c.dir}/v${version}/response`);
    const decoder = typeof module === 'function' ? module({ topics: [] }) : module; // DeleteRecords' is a factory
    expect(normalize(await decoder.decode(bytes))).toMatchObject(expected);
  });
});

describe('records pass through untouched', () => {
  it('a Fetch v11 response whose records are kafkajs batches in two chunks is read back by kafkajs', async () => {
    const { RecordBatch } = kafkajs('recordBatch/v0');
    const Record = kafkajs('recordBatch/record/v0');
    const batch = async (key: string, value: string) =>
      (
        await RecordBatch({
          records: [Record({ key, value, headers: { h: 'x' }, offsetDelta: 0, timestampDelta: 0 })],
          firstTimestamp: 1700000000000,
          maxTimestamp: 1700000000000,
          lastOffsetDelta: 0,
        })
      ).buffer as Buffer;
    const first = await batch('k1', 'v1');
    const second = await batch('k2', 'v2');
    second.writeBigInt64BE(1n, 0); // the second batch's base offset
    const chunks = encodeMessage(Fetch.response, 11, {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      responses: [
        {
          topic: 'alpha',
          partitions: [
            { partitionIndex: 0, errorCode: 0, highWatermark: 2, preferredReadReplica: -1, records: [first, second] },
          ],
        },
      ],
    });
    expect(chunks).toContain(first); // the very buffers, not copies
    expect(chunks).toContain(second);
    const decoded = await kafkajs('requests/fetch/v11/response').decode(Buffer.concat(chunks));
    const messages = decoded.responses[0].partitions[0].messages;
    expect(
      messages.map((m: { key: Buffer; value: Buffer; offset: string }) => [m.offset, String(m.key), String(m.value)]),
    ).toEqual([
      ['0', 'k1', 'v1'],
      ['1', 'k2', 'v2'],
    ]);
  });
});
