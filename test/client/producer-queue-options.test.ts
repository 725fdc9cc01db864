// send() queue options: delayMs, deliverAt and priority become the sluice-deliver-at / sluice-priority
// headers of the stored records; bad values fail the send before anything reaches the broker.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { logLevel, MAX_DELIVERY_DELAY_MS, Sluice } from '../../src/client/index.js';
import { ApiKey } from '../../src/protocol/index.js';
import { DELIVER_AT_HEADER, PRIORITY_HEADER } from '../../src/records/queue-headers.js';
import { readAll } from '../helpers/broker.js';
import { WireClient } from '../helpers/wire-client.js';
import { type InterceptedBroker, startInterceptedBroker } from './intercepted-broker.js';

let fake: InterceptedBroker;
let reader: WireClient;

beforeEach(async () => {
  fake = await startInterceptedBroker([{ name: 'jobs', partitions: 1 }]);
  reader = await WireClient.connect(fake.port);
});
afterEach(async () => {
  reader.destroy();
  await fake.stop();
});

async function connectedProducer() {
  const client = new Sluice({ brokers: [`127.0.0.1:${fake.port}`], logLevel: logLevel.NOTHING });
  const producer = client.producer();
  await producer.connect();
  return producer;
}

/** Each stored record's headers as a name → text map. */
async function storedHeaders(): Promise<Array<Record<string, string>>> {
  const records = await readAll(reader, 'jobs', 0);
  return records.map((r) => Object.fromEntries(r.headers.map(([k, v]) => [k, v?.toString('utf8') ?? ''])));
}

describe('producer queue options', () => {
  it('writes delayMs (from the send call), deliverAt and priority as headers, keeping the message headers', async () => {
    const producer = await connectedProducer();
    const at = new Date(Date.now() + 60_000);
    const message = { value: 'a', delayMs: 10_000, headers: { trace: 't1' } };
    const before = Date.now();
    await producer.send({
      topic: 'jobs',
      messages: [
        message,
        { value: 'b', deliverAt: at },
        { value: 'c', deliverAt: at.getTime() + 5, priority: 9 },
        { value: 'd', priority: 0 },
        { value: 'e' },
      ],
    });
    const after = Date.now();
    const [a, b, c, d, e] = await storedHeaders();
    expect(a!.trace).toBe('t1');
    expect(Number(a![DELIVER_AT_HEADER])).toBeGreaterThanOrEqual(before + 10_000);
    expect(Number(a![DELIVER_AT_HEADER])).toBeLessThanOrEqual(after + 10_000);
    expect(b).toEqual({ [DELIVER_AT_HEADER]: String(at.getTime()) });
    expect(c).toEqual({ [DELIVER_AT_HEADER]: String(at.getTime() + 5), [PRIORITY_HEADER]: '9' });
    expect(d).toEqual({ [PRIORITY_HEADER]: '0' });
    expect(e).toEqual({});
    // the caller's message object is left as it was
    expect(message).toEqual({ value: 'a', delayMs: 10_000, headers: { trace: 't1' } });
    await producer.disconnect();
  });

  it('refuses bad delays and priorities with a clear error, sending nothing of the send', async () => {
    const producer = await connectedProducer();
    const bad = (message: object) =>
      producer.send({ topic: 'jobs', messages: [{ value: 'fine' }, message as { value: string }] });
    const cases: Array<[object, RegExp]> = [
      [{ value: 'x', delayMs: -1 }, /delayMs -1 is not an integer number of milliseconds from 0 to 7776000000/],
      [{ value: 'x', delayMs: Number.NaN }, /delayMs NaN is not an integer/],
      [{ value: 'x', delayMs: 1.5 }, /delayMs 1.5 is not an integer/],
      [{ value: 'x', delayMs: '10s' }, /delayMs "10s" is not an integer/],
      [{ value: 'x', delayMs: MAX_DELIVERY_DELAY_MS + 1 }, /delayMs 7776000001 .*90 days/],
      [{ value: 'x', delayMs: 10, deliverAt: Date.now() }, /both delayMs and deliverAt/],
      [{ value: 'x', deliverAt: new Date('nope') }, /deliverAt Invalid Date is not a valid Date/],
      [{ value: 'x', deliverAt: -5 }, /deliverAt -5 is not a valid Date/],
      [{ value: 'x', deliverAt: Date.now() + MAX_DELIVERY_DELAY_MS + 60_000 }, /is more than 90 days ahead/],
      [{ value: 'x', priority: 10 }, /priority 10 is not an integer from 0 to 9/],
      [{ value: 'x', priority: -1 }, /priority -1 is not an integer from 0 to 9/],
      [{ value: 'x', priority: 2.5 }, /priority 2.5 is not an integer/],
      [{ value: 'x', priority: '5' }, /priority "5" is not an integer/],
      [{ value: 'x', priority: 3, headers: { [PRIORITY_HEADER]: '1' } }, /both the sluice-priority header and/],
      [{ value: 'x', delayMs: 5, headers: { [DELIVER_AT_HEADER]: '1' } }, /both the sluice-deliver-at header/],
    ];
    for (const [message, error] of cases) {
      const failure = bad(message);
      await expect(failure).rejects.toThrow(error);
      await expect(failure).rejects.toMatchObject({
        name: 'KafkaJSNonRetriableError',
        retriable: false,
        message: expect.stringContaining('Invalid message for topic "jobs"'),
      });
    }
    expect(fake.of(ApiKey.Produce)).toHaveLength(0);
    await producer.disconnect();
  });

  it('accepts the bounds and a deliverAt in the past (available at once)', async () => {
    const producer = await connectedProducer();
    await producer.send({
      topic: 'jobs',
      messages: [
        { value: 'max', delayMs: MAX_DELIVERY_DELAY_MS },
        { value: 'zero', delayMs: 0 },
        { value: 'past', deliverAt: new Date(1_000) },
      ],
    });
    const [, zero, past] = await storedHeaders();
    expect(Number(zero![DELIVER_AT_HEADER])).toBeGreaterThan(0);
    expect(past![DELIVER_AT_HEADER]).toBe('1000');
    await producer.disconnect();
  });
});
