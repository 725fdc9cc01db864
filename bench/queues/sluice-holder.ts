// A share-group member that takes one record and never settles it, for the redelivery measurement of
// bench/queues/sluice.ts, which kills this process with SIGKILL once it printed "holding <epoch ms>" (the
// wall clock when its handler got the record, shared with the bench process on this machine).
//   node --import tsx bench/queues/sluice-holder.ts <broker address> <topic> <group> <lockMs>
import { logLevel, Sluice } from '../../src/client/index.js';

const [address, topic, groupId, lockMs] = process.argv.slice(2);
const consumer = new Sluice({ brokers: [address!], logLevel: logLevel.NOTHING }).shareConsumer({
  groupId: groupId!,
  maxInFlight: 1,
  lockTimeoutMs: Number(lockMs),
});
await consumer.connect();
await consumer.subscribe({ topics: [topic!], fromBeginning: true });
await consumer.run({
  eachMessage: () => {
    process.stdout.write(`holding ${Date.now()}\n`);
    return new Promise<void>(() => {});
  },
});
