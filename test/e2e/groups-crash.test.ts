// A group member running in a real child process is SIGKILLed: its partitions move to the surviving
// members after its session timeout, every record is processed at least once, and the only records
// processed twice are ones the killed member had not committed.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, afterEach, beforeEach, expect, it } from 'vitest';
import { PartitionAssigners, type Consumer, type Sluice } from '../../src/client/index.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { sdkClient, startSdkBroker, waitFor, type SdkBroker } from '../client/helpers.js';

const root = resolve(import.meta.dirname, '..', '..');
let b: SdkBroker;
let sluice: Sluice;
const consumers: Consumer[] = [];
let child: ChildProcess | undefined;

beforeEach(async () => {
  b = await startSdkBroker();
  sluice = sdkClient(b.port);
});
afterEach(async () => {
  child?.kill('SIGKILL');
  await Promise.all(consumers.splice(0).map((c) => c.disconnect().catch(() => undefined)));
  await b.stop();
});
afterAll(removeTempDirs);

interface Processed {
  who: string;
  partition: number;
  offset: number;
  value: string;
}

async function produce(from: number, count: number) {
  const producer = sluice.producer();
  await producer.connect();
  await producer.send({
    topic: 'work',
    messages: Array.from({ length: count }, (_, i) => ({ partition: (from + i) % 6, value: String(from + i) })),
  });
  await producer.disconnect();
}

it("moves a SIGKILLed member's partitions to the others; duplicates only from uncommitted offsets", async () => {
  const admin = sluice.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'work', numPartitions: 6 }] });
  await admin.disconnect();

  const processed: Processed[] = [];
  const childCommits = new Map<number, number>();
  let childPartitions: number[] = [];
  child = spawn(
    process.execPath,
    ['--import', 'tsx', resolve(root, 'test/e2e/groups-member-process.ts'), String(b.port), 'crash', 'work'],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      const [kind, a, c, d] = line.split(' ');
      if (kind === 'JOIN') childPartitions = a ? a.split(',').map(Number) : [];
      if (kind === 'MSG') processed.push({ who: 'child', partition: Number(a), offset: Number(c), value: d! });
      if (kind === 'COMMIT') childCommits.set(Number(a), Math.max(childCommits.get(Number(a)) ?? 0, Number(c)));
    }
  });

  await waitFor(() => childPartitions.length === 6, 20_000); // the child process is up and owns everything
  const assignments = new Map<string, number[]>();
  for (const who of ['a', 'b']) {
    const consumer = sluice.consumer({
      groupId: 'crash',
      sessionTimeout: 1500,
      rebalanceTimeout: 3000,
      heartbeatInterval: 100,
      maxWaitTimeInMs: 100,
      partitionAssigners: [PartitionAssigners.range],
    });
    consumers.push(consumer);
    consumer.on(consumer.events.GROUP_JOIN, (e) =>
      assignments.set(who, (e.payload.memberAssignment as Record<string, number[]>).work ?? []),
    );
    await consumer.connect();
    await consumer.subscribe({ topic: 'work', fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        await new Promise((r) => setTimeout(r, 2)); // each record takes a moment of work, as in a real handler
        processed.push({ who, partition, offset: Number(message.offset), value: message.value!.toString() });
      },
    });
  }
  const sizes = () => [childPartitions.length, assignments.get('a')?.length ?? 0, assignments.get('b')?.length ?? 0];
  await waitFor(() => sizes().join() === '2,2,2', 15_000).catch((e) => {
    throw new Error(
      `sizes ${sizes().join()} ${JSON.stringify([...assignments])} child msgs ${processed.filter((p) => p.who === 'child').length}: ${e}`,
    );
  });
  await produce(0, 1200);
  // Let the child make progress, some of it committed and some not.
  await waitFor(() => processed.filter((p) => p.who === 'child').length >= 150 && childCommits.size > 0, 15_000).catch(
    (e) => {
      throw new Error(
        `child msgs ${processed.filter((p) => p.who === 'child').length} commits ${[...childCommits]} total ${processed.length} sizes ${sizes()}: ${e}`,
      );
    },
  );
  const killedAt = Date.now();
  child.kill('SIGKILL');
  const killedPartitions = childPartitions;
  const commitsAtKill = new Map(childCommits);
  await waitFor(() => (assignments.get('a')?.length ?? 0) + (assignments.get('b')?.length ?? 0) === 6, 10_000);
  const movedAfter = Date.now() - killedAt;
  await produce(1200, 300);
  await waitFor(() => new Set(processed.map((p) => p.value)).size === 1500, 20_000);

  // At least once: every record was processed.
  expect(new Set(processed.map((p) => p.value)).size).toBe(1500);
  // Moved after the session timeout (1.5 s), not before, and not much later.
  expect(movedAfter).toBeGreaterThanOrEqual(1400);
  expect(movedAfter).toBeLessThan(8000);
  // Duplicates only from the killed member's uncommitted offsets.
  const byValue = new Map<string, Processed[]>();
  for (const p of processed) byValue.set(p.value, [...(byValue.get(p.value) ?? []), p]);
  const duplicated = [...byValue.values()].filter((list) => list.length > 1);
  for (const list of duplicated) {
    const { partition, offset } = list[0]!;
    expect(killedPartitions).toContain(partition);
    expect(offset).toBeGreaterThanOrEqual(commitsAtKill.get(partition) ?? 0);
    expect(list.filter((p) => p.who === 'child')).toHaveLength(1);
  }
}, 60_000);
