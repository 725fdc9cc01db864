// A consumer-group member in its own process (for the SIGKILL test in groups-crash.test.ts).
// argv: <port> <groupId> <topic>. Prints one line per event on stdout:
//   JOIN <partitions,comma,separated>      after each GROUP_JOIN
//   MSG <partition> <offset> <value>       after eachMessage handled a record
//   COMMIT <partition> <offset>            after a commit was acknowledged (offset = next to consume)
import { PartitionAssigners, Sluice, logLevel } from '../../src/client/index.js';

const [port, groupId, topic] = process.argv.slice(2) as [string, string, string];
const sluice = new Sluice({
  clientId: 'child',
  brokers: [`127.0.0.1:${port}`],
  logLevel: logLevel.NOTHING,
  retry: { retries: 5, initialRetryTime: 50 },
});
const consumer = sluice.consumer({
  groupId,
  sessionTimeout: 1500,
  rebalanceTimeout: 3000,
  heartbeatInterval: 100,
  maxWaitTimeInMs: 100,
  partitionAssigners: [PartitionAssigners.range],
});
const out = (line: string) => process.stdout.write(`${line}\n`);
consumer.on(consumer.events.GROUP_JOIN, (e) =>
  out(`JOIN ${((e.payload.memberAssignment as Record<string, number[]>)[topic] ?? []).join(',')}`),
);
consumer.on(consumer.events.COMMIT_OFFSETS, (e) => {
  for (const t of e.payload.topics as Array<{ partitions: Array<{ partition: number; offset: string }> }>)
    for (const p of t.partitions) out(`COMMIT ${p.partition} ${p.offset}`);
});
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({
  autoCommitInterval: 300,
  eachMessage: async ({ partition, message }) => {
    await new Promise((r) => setTimeout(r, 2)); // each record takes a moment of work, as in a real handler
    out(`MSG ${partition} ${message.offset} ${message.value!.toString()}`);
  },
});
