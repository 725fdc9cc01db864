// A compacted topic written by a transactional producer, committing some transactions and aborting others:
// once the broker's cleaner has run, a read_uncommitted reader sees no aborted record any more, every
// committed record is still there at its offset, and read_committed and read_uncommitted SDK consumers agree.
import { afterAll, describe, expect, it } from 'vitest';
import { sdkClient, str, waitFor } from '../client/helpers.js';
import { createTopic, readAll, startBroker } from '../helpers/broker.js';
import { removeTempDirs } from '../helpers/temp-dir.js';

afterAll(removeTempDirs);

const TOPIC = 'txn-table';
const ROUNDS = 40;
/** Committed transactions after the rounds, so that every round's records lie in sealed (cleanable) segments. */
const FILLERS = 20;

/** What a consumer of `TOPIC` with `readUncommitted` reads, as key → [offset, value], until `count` records. */
async function consumeAll(
  port: number,
  readUncommitted: boolean,
  count: number,
): Promise<Map<string, [number, string]>> {
  const consumer = sdkClient(port).consumer({ groupId: `readers-${readUncommitted}`, readUncommitted });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  const got = new Map<string, [number, string]>();
  await consumer.run({
    eachMessage: async ({ message }) => {
      got.set(str(message.key)!, [Number(message.offset), str(message.value)!]);
    },
  });
  try {
    await waitFor(() => got.size >= count, { timeoutMs: 30_000, message: `${count} records (got ${got.size})` });
  } finally {
    await consumer.disconnect();
  }
  return got;
}

describe('cleaning a compacted topic with transactions', () => {
  it('removes aborted records and keeps committed ones at their offsets', async () => {
    const tb = await startBroker({ topicDefaults: { segmentBytes: 2048 }, logCleaner: { backoffMs: 10 } });
    try {
      const wire = await tb.client();
      const configs = { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.01' };
      expect((await createTopic(wire, TOPIC, 1, configs)).errorCode).toBe(0);
      const producer = sdkClient(tb.port).producer({ transactionalId: 'table-writer' });
      await producer.connect();
      // Offsets as the produce answers gave them (the cleaner may run while the rounds are written).
      const committedBefore: Array<{ offset: number; key: string; value: string }> = [];
      for (let round = 0; round < ROUNDS; round++) {
        const txn = await producer.transaction();
        const commit = round % 2 === 0;
        const key = commit ? `committed-${round}` : `aborted-${round}`;
        const [sent] = await txn.send({ topic: TOPIC, messages: [{ key, value: `${key} value` }] });
        if (commit) {
          await txn.commit();
          committedBefore.push({ offset: Number(sent!.baseOffset), key, value: `${key} value` });
        } else await txn.abort();
      }
      for (let i = 0; i < FILLERS; i++) {
        const txn = await producer.transaction();
        await txn.send({ topic: TOPIC, messages: [{ key: `filler-${i}`, value: 'filler' }] });
        await txn.commit();
      }
      await producer.disconnect();

      const dataOf = async () =>
        (await readAll(wire, TOPIC, 0))
          .map((r) => ({ offset: r.offset, key: r.key?.toString() ?? '', value: r.value?.toString() ?? '' }))
          .filter((r) => r.key.startsWith('committed-') || r.key.startsWith('aborted-'));

      // The cleaner runs in the background (segments of 2 KiB roll every few transactions).
      await waitFor(async () => (await dataOf()).every((r) => !r.key.startsWith('aborted-')), {
        timeoutMs: 30_000,
        message: 'the cleaner to remove the aborted records',
      });
      // Every committed record is still there, at its offset, with its value.
      expect(await dataOf()).toEqual(committedBefore);

      // Consumers of both isolation levels read exactly the committed records, at the same offsets.
      const expected = new Map(committedBefore.map((r) => [r.key, [r.offset, r.value] as [number, string]]));
      const rounds = (read: Map<string, [number, string]>) =>
        new Map([...read].filter(([key]) => !key.startsWith('filler-')));
      expect(rounds(await consumeAll(tb.port, false, ROUNDS / 2 + FILLERS))).toEqual(expected);
      expect(rounds(await consumeAll(tb.port, true, ROUNDS / 2 + FILLERS))).toEqual(expected);
    } finally {
      await tb.stop();
    }
  });
});
