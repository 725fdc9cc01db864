// `sluice dlq list|peek|requeue` and `sluice produce --delay/--priority` as child processes against a live
// broker. The dead letters are written the way a share group writes them: the record's own key, value and
// headers plus the DLQ headers of src/records/queue-headers.ts.
import { describe, expect, it, vi } from 'vitest';
import { logLevel, Sluice } from '../../src/client/index.js';
import { DELIVER_AT_HEADER, DLQ_HEADERS, PRIORITY_HEADER } from '../../src/records/queue-headers.js';
import { jsonLines, sluice, useLiveBroker } from './helpers.js';

// Each test runs several child processes; a loaded 2-core machine can slow each one several-fold.
vi.setConfig({ testTimeout: 90_000, hookTimeout: 90_000 });

const FAILED_AT = Date.UTC(2026, 11, 3, 5, 0, 0);

function deadLetter(
  source: string,
  partition: number,
  offset: number,
  value: string,
  extra: Record<string, string> = {},
) {
  return {
    key: `k-${value}`,
    value,
    headers: {
      trace: `t-${value}`,
      ...extra,
      [DLQ_HEADERS.sourceTopic]: source,
      [DLQ_HEADERS.sourcePartition]: String(partition),
      [DLQ_HEADERS.sourceOffset]: String(offset),
      [DLQ_HEADERS.group]: 'billing',
      [DLQ_HEADERS.attempts]: '5',
      [DLQ_HEADERS.error]: `TypeError: cannot bill ${value}`,
      [DLQ_HEADERS.time]: String(FAILED_AT),
    },
  };
}

const server = useLiveBroker(async (flags) => {
  for (const [topic, partitions] of [
    ['orders', 2],
    ['payments', 1],
    ['orders.dlq', 1],
    ['graveyard', 2],
    ['plain', 1],
  ] as const)
    await sluice(['topics', 'create', topic, '-p', String(partitions), ...flags]);
  const client = new Sluice({ brokers: [flags[1]!], logLevel: logLevel.NOTHING });
  const producer = client.producer();
  await producer.connect();
  await producer.send({
    topic: 'orders.dlq',
    messages: [
      deadLetter('orders', 1, 40, 'o1'),
      deadLetter('payments', 0, 7, 'p1'),
      deadLetter('orders', 0, 41, 'o2'),
      deadLetter('orders', 1, 42, 'o3', { region: 'eu' }),
    ],
  });
  // A dead-letter topic with another name: found by its records' headers.
  await producer.send({ topic: 'graveyard', messages: [{ ...deadLetter('orders', 0, 1, 'g1'), partition: 1 }] });
  await producer.send({ topic: 'plain', messages: [{ value: 'not a dead letter' }] });
  await producer.disconnect();
});

interface JsonRecord {
  partition: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

const read = async (topic: string) =>
  jsonLines<JsonRecord>(
    (await sluice(['consume', topic, '--from-beginning', '-e', '--format', 'json', ...server.flags])).stdout,
  );

const list = async () =>
  jsonLines<{ topic: string; partitions: number; records: number; notRequeued: number }>(
    (await sluice(['dlq', 'list', '--format', 'json', ...server.flags])).stdout,
  );

describe('sluice dlq', () => {
  it('lists topics that hold dead letters with their counts, and peeks with readable failure headers', async () => {
    expect(await list()).toEqual([
      { topic: 'graveyard', partitions: 2, records: 1, notRequeued: 1 },
      { topic: 'orders.dlq', partitions: 1, records: 4, notRequeued: 4 },
    ]);
    const text = await sluice(['dlq', 'list', ...server.flags]);
    expect(text.stdout).toMatch(/^TOPIC\s+PARTITIONS\s+RECORDS\s+NOT REQUEUED\n/);

    const peek = await sluice(['dlq', 'peek', 'orders.dlq', '-n', '2', ...server.flags]);
    expect(peek.code).toBe(0);
    expect(peek.stdout).toContain(
      [
        'orders.dlq partition 0 offset 0',
        '  source:    orders partition 1 offset 40',
        '  group:     billing',
        '  attempts:  5',
        '  error:     TypeError: cannot bill o1',
        '  failed at: 2026-12-03T05:00:00.000Z',
        '  key:       k-o1',
        '  value:     o1',
        '  headers:   trace=t-o1',
      ].join('\n'),
    );
    expect(peek.stdout).toContain('orders.dlq partition 0 offset 1\n  source:    payments partition 0 offset 7');
    expect(peek.stdout).not.toContain('offset 2\n');
    expect(peek.stderr).toContain("showed 2 of 4 records in 'orders.dlq'");

    const json = jsonLines<{ offset: number; failure: Record<string, unknown> }>(
      (await sluice(['dlq', 'peek', 'graveyard', '--format', 'json', ...server.flags])).stdout,
    );
    expect(json).toHaveLength(1);
    expect(json[0]!.failure).toMatchObject({
      sourceTopic: 'orders',
      sourcePartition: 0,
      sourceOffset: 1,
      groupId: 'billing',
      attempts: 5,
      error: 'TypeError: cannot bill g1',
      time: '2026-12-03T05:00:00.000Z',
    });
  });

  it('requeues to the source topic once: dry run first, a filter, a second run that moves nothing again', async () => {
    const dry = await sluice(['dlq', 'requeue', 'orders.dlq', '--dry-run', ...server.flags]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe(
      "orders: 3 records would be requeued to 'orders'\npayments: 1 record would be requeued to 'payments'\n",
    );
    expect(await read('orders')).toEqual([]);

    const filtered = await sluice([
      'dlq',
      'requeue',
      'orders.dlq',
      '--filter',
      `${DLQ_HEADERS.sourceTopic}=orders`,
      ...server.flags,
    ]);
    expect(filtered.code).toBe(0);
    expect(filtered.stdout).toBe("orders: 3 records requeued to 'orders'\n");
    expect(filtered.stderr).toContain('1 record not matching --filter');
    expect(filtered.stderr).toContain("group 'sluice-dlq-requeue'");
    const orders = await read('orders');
    expect(orders.map((r) => [r.partition, r.key, r.value]).sort()).toEqual([
      [0, 'k-o2', 'o2'],
      [1, 'k-o1', 'o1'],
      [1, 'k-o3', 'o3'],
    ]);
    // headers kept minus the DLQ ones, plus where the copy came from
    expect(orders.find((r) => r.value === 'o3')!.headers).toEqual({
      trace: 't-o3',
      region: 'eu',
      [DLQ_HEADERS.requeuedFrom]: 'orders.dlq:0:3',
    });
    expect((await list()).find((d) => d.topic === 'orders.dlq')!.notRequeued).toBe(1);

    const again = await sluice(['dlq', 'requeue', 'orders.dlq', ...server.flags]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe("payments: 1 record requeued to 'payments'\n");
    expect(again.stderr).toContain('2 records already requeued by an earlier run');
    const third = await sluice(['dlq', 'requeue', 'orders.dlq', ...server.flags]);
    expect(third.stdout).toBe('');
    expect(third.stderr).toContain("0 records requeued from 'orders.dlq'");
    expect(await read('orders')).toHaveLength(3);
    expect((await read('payments')).map((r) => r.value)).toEqual(['p1']);
    expect((await list()).find((d) => d.topic === 'orders.dlq')!.notRequeued).toBe(0);
  });

  it('requeues to another topic with --to, at most --max records', async () => {
    await sluice(['topics', 'create', 'retry-here', ...server.flags]);
    const one = await sluice(['dlq', 'requeue', 'graveyard', '--to', 'retry-here', '--max', '1', ...server.flags]);
    expect(one.code).toBe(0);
    expect(one.stdout).toBe("orders: 1 record requeued to 'retry-here'\n");
    expect(one.stderr).toContain('stopped at --max 1');
    expect((await read('retry-here')).map((r) => [r.value, r.headers[DLQ_HEADERS.requeuedFrom]])).toEqual([
      ['g1', 'graveyard:1:0'],
    ]);
  });

  it('refuses bad flags and bad topics with clear errors, moving nothing', async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['dlq', 'requeue', 'orders.dlq', '--max', '0'], 2, /max must be at least 1/],
      [['dlq', 'requeue', 'orders.dlq', '--filter', 'nope'], 2, /filter must look like key=value/],
      [['dlq', 'requeue', 'nothing.dlq'], 1, /unknown topic 'nothing.dlq'/],
      [['dlq', 'requeue', 'orders.dlq', '--to', 'orders.dlq'], 2, /is the DLQ topic itself/],
      [['dlq', 'requeue', 'orders.dlq', '--to', 'missing'], 1, /unknown topic 'missing'/],
      [['dlq', 'peek', 'orders.dlq', '-n', 'x'], 2, /max-messages must be a whole number/],
      [['dlq', 'peek'], 2, /missing required argument 'dlq-topic'/],
    ];
    for (const [args, code, error] of cases) {
      const r = await sluice([...args, ...server.flags]);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr, args.join(' ')).toMatch(error);
    }
  });

  it('says which records it could not requeue: no source header, or a source topic that is gone', async () => {
    await sluice(['topics', 'create', 'odd.dlq', ...server.flags]);
    await sluice(['topics', 'create', 'odd-target', ...server.flags]);
    const client = new Sluice({ brokers: [server.flags[1]!], logLevel: logLevel.NOTHING });
    const producer = client.producer();
    await producer.connect();
    await producer.send({
      topic: 'odd.dlq',
      messages: [{ value: 'headerless' }, deadLetter('vanished', 0, 0, 'v1'), deadLetter('orders', 0, 9, 'o9')],
    });
    await producer.disconnect();
    const r = await sluice(['dlq', 'requeue', 'odd.dlq', ...server.flags]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("orders: 1 record requeued to 'orders'\n");
    expect(r.stderr).toContain('1 record without a sluice-dlq-source-topic header left in place (give --to)');
    expect(r.stderr).toContain("1 record left in place: topic 'vanished' does not exist");
    // what was left is still there to requeue with --to; what moved is not moved twice
    const to = await sluice(['dlq', 'requeue', 'odd.dlq', '--to', 'odd-target', ...server.flags]);
    expect(to.code).toBe(0);
    expect(to.stdout).toBe(
      "(unknown source): 1 record requeued to 'odd-target'\nvanished: 1 record requeued to 'odd-target'\n",
    );
  });
});

describe('sluice produce --delay/--priority', () => {
  it('writes the deliver-at and priority headers on every record', async () => {
    await sluice(['topics', 'create', 'jobs', ...server.flags]);
    const before = Date.now();
    const r = await sluice(['produce', 'jobs', '--delay', '10s', '--priority', '7', ...server.flags], {
      input: 'a\nb\n',
    });
    expect(r.code).toBe(0);
    const after = Date.now();
    const jobs = await read('jobs');
    expect(jobs.map((j) => j.value)).toEqual(['a', 'b']);
    for (const j of jobs) {
      expect(j.headers[PRIORITY_HEADER]).toBe('7');
      const at = Number(j.headers[DELIVER_AT_HEADER]);
      expect(at).toBeGreaterThanOrEqual(before + 10_000);
      expect(at).toBeLessThanOrEqual(after + 10_000);
    }
  });

  it('refuses bad --delay and --priority values before sending anything', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--delay', '10'], /delay must be a duration with a unit, like 500ms, 10s/],
      [['--delay', '-5s'], /delay must be a duration with a unit/],
      [['--delay', '91d'], /delay must be at most 90d/],
      [['--priority', '10'], /priority must be at most 9/],
      [['--priority', '-1'], /priority must be at least 0/],
      [['--delay', '1s', '-H', `${DELIVER_AT_HEADER}=5`], /--delay writes the sluice-deliver-at header/],
      [['--priority', '1', '-H', `${PRIORITY_HEADER}=5`], /--priority writes the sluice-priority header/],
    ];
    for (const [flags, error] of cases) {
      const r = await sluice(['produce', 'plain', ...flags, ...server.flags], { input: 'x\n' });
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.stderr, flags.join(' ')).toMatch(error);
    }
    expect((await read('plain')).map((r) => r.value)).toEqual(['not a dead letter']);
  });
});
