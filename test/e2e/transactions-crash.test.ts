// Exactly once across a broker crash: a consume-transform-produce loop (kafkajs 2.2.4 on the Kafka listener, and
// Sluice's SDK on the native port: one transaction per input record = its output record + the group's offset
// past the input) runs against a
// real `sluice serve` that is SIGKILLed at random points of its first transactions and restarted on the same data directory. The
// worker resumes from the group's committed offset with a new producer instance each time. A read_committed
// checker downstream must see every input's output exactly once, and never an output of an attempt whose
// commit was never asked for (those transactions were open at the crash and are aborted).
import { createRequire } from 'node:module';
import { afterAll, expect, it } from 'vitest';
import { logLevel, Sluice } from '../../src/client/index.js';
import { stablePort } from '../helpers/free-port.js';
import { startSluice, type SluiceProcess } from '../helpers/sluice-process.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';

const kafkajs = createRequire(import.meta.url)('kafkajs') as any;
const INPUTS = 60;
const GROUP = 'transformer';

afterAll(removeTempDirs);

interface Ports {
  native: number;
  kafka: number;
}

/** The same kafkajs-shaped program runs with kafkajs on the Kafka port or with the SDK on the native port. */
const CLIENTS = {
  kafkajs: (ports: Ports): any =>
    new kafkajs.Kafka({
      clientId: 'ctp',
      brokers: [`127.0.0.1:${ports.kafka}`],
      logLevel: kafkajs.logLevel.NOTHING,
      retry: { initialRetryTime: 50, retries: 2 },
      connectionTimeout: 2000,
    }),
  sdk: (ports: Ports): any =>
    new Sluice({
      clientId: 'ctp',
      brokers: [`127.0.0.1:${ports.native}`],
      logLevel: logLevel.NOTHING,
      retry: { initialRetryTime: 50, retries: 2 },
      connectionTimeout: 2000,
    }),
};
type ClientName = keyof typeof CLIENTS;

type Phase = 'sent' | 'offsets-sent' | 'commit-asked';

interface Attempts {
  /** Attempt tag (`<input>.<attempt>`) → the worker called commit() for it. */
  commitAsked: Set<string>;
  next: number;
  /** The broker is SIGKILLed when attempt `at` reaches `phase` (then the worker's next call fails). */
  crash?: { at: number; phase: Phase; kill: () => void };
}

/** Kills the broker if this attempt and phase are the crash point chosen for this run. */
function maybeCrash(attempts: Attempts, attempt: number, phase: Phase): void {
  const crash = attempts.crash;
  if (!crash || crash.at !== attempt || crash.phase !== phase) return;
  attempts.crash = undefined;
  crash.kill();
}

/** Runs the loop until every input is done or the broker goes away (any error ends this run). */
async function runWorker(client: () => any, attempts: Attempts): Promise<'done' | 'interrupted'> {
  const kafka = client();
  const admin = kafka.admin();
  const producer = kafka.producer({ transactionalId: 'ctp-tx', maxInFlightRequests: 1, idempotent: true });
  try {
    await admin.connect();
    await producer.connect();
    const fetched = await admin.fetchOffsets({ groupId: GROUP, topics: ['in'] });
    let next = Math.max(0, Number(fetched[0].partitions[0].offset));
    while (next < INPUTS) {
      const attempt = attempts.next++;
      const tag = `${next}.${attempt}`;
      const txn = await producer.transaction();
      try {
        await txn.send({ topic: 'out', messages: [{ value: `out-${tag}` }] });
        maybeCrash(attempts, attempt, 'sent');
        await txn.sendOffsets({
          consumerGroupId: GROUP,
          topics: [{ topic: 'in', partitions: [{ partition: 0, offset: String(next + 1) }] }],
        });
        maybeCrash(attempts, attempt, 'offsets-sent');
        attempts.commitAsked.add(tag);
        const committing = txn.commit();
        maybeCrash(attempts, attempt, 'commit-asked');
        await committing;
      } catch (err) {
        await txn.abort().catch(() => undefined);
        throw err;
      }
      next++;
    }
    return 'done';
  } catch {
    return 'interrupted';
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

async function readCommitted(client: () => any, expected: number): Promise<string[]> {
  const consumer = client().consumer({ groupId: 'checker', maxWaitTimeInMs: 100 });
  const values: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: 'out', fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }: { message: { value: Buffer } }) => {
        values.push(message.value.toString());
      },
    });
    const deadline = Date.now() + 30_000;
    while (values.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500)); // anything extra would arrive now
  } finally {
    await consumer.disconnect();
  }
  return values;
}

it.each(Object.keys(CLIENTS) as ClientName[])(
  '%s: outputs every input exactly once across SIGKILLs of the broker, none from aborted attempts',
  async (name) => {
    const dataDir = await tempDir();
    const ports: Ports = { native: await stablePort(), kafka: await stablePort() };
    const client = () => CLIENTS[name](ports);
    const args = [
      '--data-dir',
      dataDir,
      '--port',
      String(ports.native),
      '--kafka-port',
      String(ports.kafka),
      '--flush',
      'always',
    ];
    let proc: SluiceProcess = await startSluice(args);
    const setup = client();
    const admin = setup.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'in' }, { topic: 'out' }] });
    await admin.disconnect();
    const producer = setup.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic: 'in', messages: Array.from({ length: INPUTS }, (_, i) => ({ value: `in-${i}` })) });
    await producer.disconnect();

    const attempts: Attempts = { commitAsked: new Set(), next: 0 };
    let crashes = 0;
    const phases: Phase[] = ['sent', 'offsets-sent', 'commit-asked'];
    for (let round = 0; round < 8; round++) {
      // The first three runs crash the broker at a random point of one of their first transactions: inside
      // it (after its output, after its offsets) or while its commit is on the way.
      const crash = round < 3;
      if (crash) {
        const victim = proc;
        attempts.crash = {
          at: attempts.next + Math.floor(Math.random() * 8),
          phase: phases[Math.floor(Math.random() * phases.length)]!,
          kill: () => void victim.kill('SIGKILL'),
        };
      }
      const outcome = await runWorker(client, attempts);
      attempts.crash = undefined;
      if (outcome === 'done') break;
      await proc.kill('SIGKILL'); // already dead when the killer fired; else the run failed on its own
      if (crash) crashes++;
      proc = await startSluice(args);
    }
    expect(crashes).toBe(3);
    const values = await readCommitted(client, INPUTS);
    await proc.kill('SIGTERM');

    const byInput = new Map<number, string[]>();
    for (const value of values) {
      const tag = value.slice('out-'.length);
      const input = Number(tag.split('.')[0]);
      byInput.set(input, [...(byInput.get(input) ?? []), tag]);
      expect(attempts.commitAsked.has(tag), `output ${value} of an attempt never committed`).toBe(true);
    }
    expect([...byInput.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: INPUTS }, (_, i) => i));
    for (const [input, tags] of byInput) expect(tags, `outputs of input ${input}`).toHaveLength(1);
  },
  240_000,
);
