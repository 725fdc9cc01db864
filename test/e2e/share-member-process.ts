// A share-group member in its own process (for the SIGKILL test in share-crash-member.test.ts).
// argv: <port> <groupId> <topic>. Its handlers never finish (they hold their records, renewing the locks);
// prints `HELD <offset>` when a handler starts.
import { logLevel, Sluice } from '../../src/client/index.js';

const [port, groupId, topic] = process.argv.slice(2) as [string, string, string];
const sluice = new Sluice({ clientId: 'share-child', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
const consumer = sluice.shareConsumer({ groupId, maxInFlight: 4, lockTimeoutMs: 600, maxWaitTimeInMs: 200 });
await consumer.connect();
await consumer.subscribe({ topics: [topic], fromBeginning: true });
await consumer.run({
  eachMessage: async ({ message }) => {
    process.stdout.write(`HELD ${message.offset}\n`);
    await new Promise(() => {});
  },
});
