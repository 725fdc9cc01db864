// Queues from the command line against a live broker: a record that fails every attempt lands in the DLQ,
// `sluice dlq peek` shows why, `sluice dlq requeue` brings it back and a fixed handler acknowledges it;
// `sluice queue describe` and `sluice consume --share-group` on the same group.
import { describe, expect, it, vi } from 'vitest';
import { logLevel, type ShareConsumer, Sluice } from '../../src/client/index.js';
import { DLQ_HEADERS } from '../../src/records/queue-headers.js';
import { waitFor } from '../helpers/wait-for.js';
import { jsonLines, sluice, useLiveBroker } from './helpers.js';

// Each test runs several child processes; a loaded 2-core machine can slow each one several-fold.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 90_000 });

const server = useLiveBroker(async (flags) => {
  await sluice(['topics', 'create', 'payments', ...flags]);
});

const client = () => new Sluice({ brokers: [server.flags[1]!], logLevel: logLevel.NOTHING });

interface Seen {
  value: string;
  attempt: number;
  requeuedFrom: string | null;
}

/** A member of the share group `payers` whose handler is `handler`, recording what it was handed. */
async function member(handler: (value: string) => void): Promise<{ consumer: ShareConsumer; seen: Seen[] }> {
  const seen: Seen[] = [];
  const consumer = client().shareConsumer({
    groupId: 'payers',
    maxInFlight: 1,
    retry: { maxAttempts: 3, backoff: { type: 'fixed', initialMs: 100 } },
  });
  await consumer.connect();
  await consumer.subscribe({ topics: ['payments'], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const value = message.value!.toString();
      const from = message.headers[DLQ_HEADERS.requeuedFrom];
      seen.push({ value, attempt: message.deliveryAttempt, requeuedFrom: from ? String(from) : null });
      handler(value);
    },
  });
  return { consumer, seen };
}

describe('queues from the command line', () => {
  it('dead-letters a record that always fails; dlq requeue brings it back and a fixed handler acks it', async () => {
    const producer = client().producer();
    await producer.connect();
    await producer.send({
      topic: 'payments',
      messages: [{ value: 'ok-1' }, { value: 'card-declined', headers: { customer: 'c42' } }, { value: 'ok-2' }],
    });

    const broken = await member((value) => {
      if (value === 'card-declined') throw new Error('card declined by the bank');
    });
    const peekDlq = async () =>
      jsonLines<{ value: string; headers: Record<string, string>; failure: Record<string, unknown> }>(
        (await sluice(['dlq', 'peek', 'payments.dlq', '--format', 'json', ...server.flags])).stdout,
      );
    await waitFor(async () => (await peekDlq()).length === 1, {
      timeoutMs: 30_000,
      intervalMs: 300,
      message: 'the dead letter in payments.dlq',
    });
    await waitFor(() => broken.seen.filter((s) => s.value !== 'card-declined').length === 2, { timeoutMs: 10_000 });
    expect(broken.seen.filter((s) => s.value === 'card-declined').map((s) => s.attempt)).toEqual([1, 2, 3]);
    const [dead] = await peekDlq();
    expect(dead!.value).toBe('card-declined');
    expect(dead!.headers.customer).toBe('c42');
    expect(dead!.failure).toMatchObject({
      sourceTopic: 'payments',
      sourcePartition: 0,
      sourceOffset: 1,
      groupId: 'payers',
      attempts: 3,
      error: 'card declined by the bank',
    });
    const listed = jsonLines<{ topic: string; records: number; notRequeued: number }>(
      (await sluice(['dlq', 'list', '--format', 'json', ...server.flags])).stdout,
    );
    expect(listed).toEqual([{ topic: 'payments.dlq', partitions: 1, records: 1, notRequeued: 1 }]);
    await broken.consumer.disconnect();

    const fixed = await member(() => {});
    const requeued = await sluice(['dlq', 'requeue', 'payments.dlq', ...server.flags]);
    expect(requeued.code).toBe(0);
    expect(requeued.stdout).toBe("payments: 1 record requeued to 'payments'\n");
    await waitFor(() => fixed.seen.length === 1, { timeoutMs: 15_000, message: 'the requeued record' });
    expect(fixed.seen).toEqual([{ value: 'card-declined', attempt: 1, requeuedFrom: 'payments.dlq:0:0' }]);
    // acknowledged: nothing of the partition is in flight any more
    const describeJson = async () =>
      jsonLines<{ partitions: Array<{ available: number; acquired: number; waiting: number; startOffset: number }> }>(
        (await sluice(['queue', 'describe', 'payers', '--format', 'json', ...server.flags])).stdout,
      )[0]!;
    await waitFor(async () => (await describeJson()).partitions[0]!.startOffset === 4, {
      timeoutMs: 10_000,
      intervalMs: 300,
      message: 'the share-partition start offset past the requeued record',
    });
    expect((await describeJson()).partitions[0]).toMatchObject({ available: 0, acquired: 0, waiting: 0 });
    const again = await sluice(['dlq', 'requeue', 'payments.dlq', ...server.flags]);
    expect(again.stdout).toBe('');
    // A group with a member is not deleted; the refusal counts its members in the right number.
    const busy = await sluice(['queue', 'delete', 'payers', ...server.flags]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toBe("error: share group 'payers' has 1 member: stop it first\n");
    await fixed.consumer.disconnect();
    await producer.disconnect();
  });

  it('describes a share group per partition and works as a shell worker with consume --share-group', async () => {
    await sluice(['topics', 'create', 'emails', ...server.flags]);
    const produced = await sluice(['produce', 'emails', '--priority', '3', ...server.flags], {
      input: 'm1\nm2\nm3\n',
    });
    expect(produced.code).toBe(0);
    const worker = await sluice(
      ['consume', 'emails', '--share-group', 'mailers', '--from-beginning', '-n', '2', ...server.flags],
      { timeoutMs: 60_000 },
    );
    expect(worker.code).toBe(0);
    expect(worker.stdout).toBe('m1\nm2\n');
    expect(worker.stderr).toContain("consumed 2 records (share group 'mailers', each acknowledged once printed)");

    const text = await sluice(['queue', 'describe', 'mailers', ...server.flags]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^group:\s+mailers\n/);
    expect(text.stdout).toMatch(
      /TOPIC\s+PARTITION\s+START\s+END\s+AVAILABLE\s+ACQUIRED\s+WAITING\s+TO DLQ\s+DELIVERIES\s+OLDEST/,
    );
    expect(text.stdout).toMatch(/emails\s+0\s+2\s+3\s+1\s+0\s+0\s+0\s+/);

    const rest = await sluice(['consume', 'emails', '--share-group', 'mailers', '-n', '1', ...server.flags], {
      timeoutMs: 60_000,
    });
    expect(rest.stdout).toBe('m3\n');
    const list = jsonLines<{ groupId: string }>(
      (await sluice(['queue', 'list', '--format', 'json', ...server.flags])).stdout,
    );
    expect(list.map((g) => g.groupId)).toEqual(expect.arrayContaining(['mailers', 'payers']));

    // Back to the start: the three records are delivered again, attempts starting over; then the group goes.
    const reset = await sluice([
      'queue',
      'reset-offsets',
      'mailers',
      '--topic',
      'emails',
      '--to-earliest',
      ...server.flags,
    ]);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(/emails\s+0\s+0\n/);
    const again = await sluice(['consume', 'emails', '--share-group', 'mailers', '-n', '3', ...server.flags], {
      timeoutMs: 60_000,
    });
    expect(again.stdout).toBe('m1\nm2\nm3\n');
    expect((await sluice(['queue', 'delete', 'mailers', ...server.flags])).code).toBe(0);
    const after = jsonLines<{ groupId: string }>(
      (await sluice(['queue', 'list', '--format', 'json', ...server.flags])).stdout,
    );
    expect(after.map((g) => g.groupId)).not.toContain('mailers');
  });

  it('refuses flags that do not fit a share group, and unknown groups', async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['consume', 'emails', '--share-group', 'g', '--group', 'h'], 2, /--group cannot be used with --share-group/],
      [['consume', 'emails', '--share-group', 'g', '--offset', '3'], 2, /--offset cannot be used with --share-group/],
      [['consume', 'emails', '--max-in-flight', '3'], 2, /--max-in-flight needs --share-group/],
      [['consume', 'emails', '--share-group', 'g', '--max-in-flight', '0'], 2, /max-in-flight must be at least 1/],
      [['queue', 'describe', 'nobody'], 1, /unknown share group 'nobody'/],
      [['queue', 'delete', 'nobody'], 1, /^error: unknown share group 'nobody'\n$/],
      [
        ['queue', 'reset-offsets', 'nobody', '--topic', 'emails', '--to-latest'],
        1,
        /^error: unknown share group 'nobody'\n$/,
      ],
      [
        ['queue', 'reset-offsets', 'g', '--topic', 'emails'],
        2,
        /give exactly one of --to-earliest, --to-latest, --to-datetime/,
      ],
      [
        ['queue', 'reset-offsets', 'g', '--topic', 'emails', '--to-earliest', '--to-latest'],
        2,
        /got --to-earliest and --to-latest/,
      ],
    ];
    for (const [args, code, error] of cases) {
      const r = await sluice([...args, ...server.flags]);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr, args.join(' ')).toMatch(error);
    }
  });
});
