// One consumer-group member in its own process, for bench/groups.ts's throughput runs.
// argv: <brokerAddress> <groupId> <topic>. Prints "COUNT <n>" every 50 ms and on SIGTERM.
import { PartitionAssigners, Sluice, logLevel } from '../src/client/index.js';

const [address, groupId, topic] = process.argv.slice(2) as [string, string, string];
const sluice = new Sluice({ clientId: 'bench-member', brokers: [address], logLevel: logLevel.NOTHING });
const consumer = sluice.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 500, maxWaitTimeInMs: 100, partitionAssigners: [PartitionAssigners.range] });
let count = 0;
const report = () => process.stdout.write(`COUNT ${count}\n`);
setInterval(report, 50).unref();
process.on('SIGTERM', () => {
  report();
  void consumer.disconnect().finally(() => process.exit(0));
});
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({ autoCommitInterval: 1000, eachMessage: async () => void count++ });
