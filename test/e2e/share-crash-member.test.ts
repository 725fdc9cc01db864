// A share-group member in a real child process is SIGKILLed while it holds records (its handlers still
// running, its locks renewed until the kill): the records go to the surviving member once the locks
// expire, each with its delivery count grown by one, and every record is acked exactly once.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import type { ShareConsumer } from '../../src/client/index.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { sdkClient, startSdkBroker, waitFor, type SdkBroker } from '../client/helpers.js';

const root = resolve(import.meta.dirname, '..', '..');
let b: SdkBroker | undefined;
let child: ChildProcess | undefined;
let survivor: ShareConsumer | undefined;

afterEach(async () => {
  child?.kill('SIGKILL');
  await survivor?.disconnect().catch(() => undefined);
  await b?.stop();
});
afterAll(removeTempDirs);

it('redelivers the records a SIGKILLed member held to the others after their locks expire', async () => {
  b = await startSdkBroker();
  const sluice = sdkClient(b.port);
  const admin = sluice.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'work', numPartitions: 1 }] });
  const producer = sluice.producer();
  await producer.connect();
  await producer.send({ topic: 'work', messages: Array.from({ length: 10 }, (_, i) => ({ value: `w${i}` })) });
  await producer.disconnect();

  const held: number[] = [];
  child = spawn(
    process.execPath,
    ['--import', 'tsx', resolve(root, 'test/e2e/share-member-process.ts'), String(b.port), 'workers', 'work'],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  child.stdout!.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.startsWith('HELD ')) held.push(Number(line.slice(5)));
  });
  await waitFor(() => held.length === 4, { timeoutMs: 30_000, message: 'the child to hold four records' });

  const acked: Array<[number, number]> = [];
  survivor = sluice.shareConsumer({ groupId: 'workers', maxInFlight: 10, maxWaitTimeInMs: 200 });
  await survivor.connect();
  await survivor.subscribe({ topics: ['work'], fromBeginning: true });
  await survivor.run({
    eachMessage: async ({ message }) => {
      acked.push([Number(message.offset), message.deliveryAttempt]);
    },
  });
  await waitFor(() => acked.length === 6, { message: 'the six records nobody held' });
  // While the child lives its locks are renewed: nothing it holds comes to the survivor.
  expect(acked.map(([o]) => o).filter((o) => held.includes(o))).toEqual([]);

  child.kill('SIGKILL');
  await waitFor(() => acked.length === 10, { timeoutMs: 10_000, message: 'the held records to be redelivered' });
  const redelivered = acked.filter(([o]) => held.includes(o));
  expect(redelivered.map(([o]) => o).sort((x, y) => x - y)).toEqual([...held].sort((x, y) => x - y));
  expect(redelivered.every(([, attempt]) => attempt === 2)).toBe(true);
  expect(new Set(acked.map(([o]) => o)).size).toBe(10);
  await waitFor(
    async () => (await admin.describeShareGroups(['workers'])).groups[0]!.partitions[0]!.startOffset === 10,
  );
  await admin.disconnect();
}, 60_000);
