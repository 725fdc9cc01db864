// One consumer-group member in its own process, for bench/groups.ts's throughput runs (the built SDK, lib/sdk.ts).
// argv: <brokerAddress> <groupId> <topic>. Joins the group with its topic paused, prints "JOIN <partitions>"
// after each join, resumes when a line "GO" arrives on stdin, and prints "COUNT <n> <at>" every 50 ms: the
// records delivered so far and when that count last moved (epoch ms with a fraction, noted by a 1 ms timer,
// so the handler itself reads no clock).
import { sdk } from './lib/sdk.js';

const { PartitionAssigners, Sluice, logLevel } = sdk;
const [address, groupId, topic] = process.argv.slice(2) as [string, string, string];
const sluice = new Sluice({ clientId: 'bench-member', brokers: [address], logLevel: logLevel.NOTHING });
const consumer = sluice.consumer({
  groupId,
  sessionTimeout: 10_000,
  heartbeatInterval: 500,
  maxWaitTimeInMs: 100,
  partitionAssigners: [PartitionAssigners.range],
});
let count = 0;
let noted = 0;
let notedAt = 0;
setInterval(() => {
  if (count === noted) return;
  noted = count;
  notedAt = performance.timeOrigin + performance.now();
}, 1).unref();
const report = () => process.stdout.write(`COUNT ${noted} ${notedAt}\n`);
setInterval(report, 50).unref();
process.on('SIGTERM', () => {
  report();
  void consumer.disconnect().finally(() => process.exit(0));
});
consumer.on(consumer.events.GROUP_JOIN, (e) =>
  process.stdout.write(`JOIN ${((e.payload.memberAssignment as Record<string, number[]>)[topic] ?? []).length}\n`),
);
process.stdin.on('data', (d: Buffer) => {
  if (d.toString().includes('GO')) consumer.resume([{ topic }]);
});
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
const running = consumer.run({ autoCommitInterval: 1000, eachMessage: async () => void count++ });
consumer.pause([{ topic }]); // once run() is called (as kafkajs requires), before anything is fetched
await running;
