// librdkafka 2.0.2 (confluent-kafka-python 1.7.0 and kcat 1.7.1, Debian packages), unmodified, against the
// Kafka listener: a transactional producer commits, aborts and commits again; read_committed consumers
// (python's and kcat's -X isolation.level=read_committed) never see the aborted records, read_uncommitted do;
// a read_committed consumer's committed offsets wait for the transaction committing them, and a member a rebalance
// left behind cannot commit offsets in a transaction (KIP-447).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopic } from '../../helpers/broker.js';
import { removeTempDirs } from '../../helpers/temp-dir.js';
import { type KafkaTestBroker, kcatPath, pythonWithConfluentKafka, run, startKafkaBroker } from './helpers.js';

let b: KafkaTestBroker;
let python: string;
let kcat: string;

beforeAll(async () => {
  python = pythonWithConfluentKafka();
  kcat = kcatPath();
  b = await startKafkaBroker();
});
afterAll(async () => {
  await b?.stop();
  await removeTempDirs();
});

const COMMITTED = ['commit-0', 'commit-1', 'commit-2', 'commit-3', 'commit-last'];
const ABORTED = ['abort-0', 'abort-1', 'abort-2'];

describe('librdkafka transactions against the Kafka listener', () => {
  it('confluent-kafka-python commits and aborts; read_committed readers (python, kcat) never see the aborted records', async () => {
    const script = join(import.meta.dirname, 'python', 'transactions.py');
    const r = await run(python, [script, b.bootstrap], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<
      'committed' | 'uncommitted',
      { values: string[]; errors: string[] }
    >;
    expect(out.committed.values).toEqual(COMMITTED);
    expect(out.uncommitted.values).toEqual([...ABORTED, ...COMMITTED].sort());

    const read = async (isolation: string) => {
      const k = await run(kcat, [
        '-b',
        b.bootstrap,
        '-C',
        '-t',
        'py-txn',
        '-e',
        '-q',
        '-f',
        '%s\n',
        '-X',
        `isolation.level=${isolation}`,
      ]);
      expect(k.code, k.stderr).toBe(0);
      return k.stdout.split('\n').filter(Boolean).sort();
    };
    expect(await read('read_committed')).toEqual(COMMITTED);
    expect(await read('read_uncommitted')).toEqual([...ABORTED, ...COMMITTED].sort());
  });

  it("a read_committed consumer's committed() waits for the transaction committing the group's offset, then gets it", async () => {
    // The script's transaction sends offset 5 for the group, and commits 2 s after the consumer asked.
    const script = join(import.meta.dirname, 'python', 'stable-offsets.py');
    const r = await run(python, [script, b.bootstrap, 'py-stable', 'py-stable-group'], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
      offset: number;
      error: string | null;
      answeredAfterCommitBegan: boolean;
    };
    // Without KIP-447's stable offsets it was answered at once with no offset (-1001), and the consumer would
    // have started over from auto.offset.reset, processing again what the transaction had processed.
    expect(out).toMatchObject({ offset: 5, error: null, answeredAfterCommitBegan: true });
  });

  it('offsets sent with the group metadata of a member a rebalance left behind are refused: the transaction aborts', async () => {
    const admin = await b.client();
    await createTopic(admin, 'py-fenced', 2);
    // The script's first member takes its group metadata, then a second member joins (a new generation) before
    // the producer sends offsets with the first member's old metadata.
    const script = join(import.meta.dirname, 'python', 'fenced-offsets.py');
    const r = await run(python, [script, b.bootstrap, 'py-fenced', 'py-fenced-group'], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    // Accepted before: the zombie's offsets would have been committed with its transaction.
    expect(out).toEqual({ error: 'ILLEGAL_GENERATION', requiresAbort: true, committed: -1001 });
  });
});
