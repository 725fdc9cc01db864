import { describe, expect, it } from 'vitest';
import { buildRecordBatchSync, decodeRecordBatches, headersToPairs, pairsToHeaders } from '../../src/records/index.js';

describe('kafkajs header helpers', () => {
  it('turns kafkajs headers into ordered pairs: strings as UTF-8, arrays as repeated keys, undefined as null', () => {
    expect(
      headersToPairs({ a: 'é', b: Buffer.from([1, 2]), c: ['x', Buffer.from('y')], d: undefined, e: null }),
    ).toEqual([
      ['a', Buffer.from('é', 'utf8')],
      ['b', Buffer.from([1, 2])],
      ['c', Buffer.from('x')],
      ['c', Buffer.from('y')],
      ['d', null],
      ['e', null],
    ]);
    expect(headersToPairs(undefined)).toEqual([]);
  });

  it('turns pairs into the kafkajs output shape: Buffers, duplicate keys as arrays in order', () => {
    const out = pairsToHeaders([
      ['trace', Buffer.from('1')],
      ['retry', Buffer.from('a')],
      ['retry', null],
      ['retry', Buffer.from('c')],
      ['__proto__', Buffer.from('safe')],
    ]);
    expect(out.trace).toEqual(Buffer.from('1'));
    expect(out.retry).toEqual([Buffer.from('a'), null, Buffer.from('c')]);
    expect(Object.keys(out)).toEqual(['trace', 'retry', '__proto__']);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual(Buffer.from('safe'));
  });

  it('survives a trip through a batch', async () => {
    const headers = { 'content-type': 'application/json', tag: ['a', 'b'], キー: Buffer.from([0]) };
    const bytes = buildRecordBatchSync([
      { key: null, value: Buffer.from('{}'), timestamp: 1, headers: headersToPairs(headers) },
    ]);
    const [batch] = await decodeRecordBatches(bytes);
    expect(pairsToHeaders(batch!.records[0]!.headers)).toEqual({
      'content-type': Buffer.from('application/json'),
      tag: [Buffer.from('a'), Buffer.from('b')],
      キー: Buffer.from([0]),
    });
  });
});
