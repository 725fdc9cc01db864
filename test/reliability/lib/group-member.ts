// A consumer-group member in its own process, for group-faults.test.ts. Prints one line per event:
//   JOIN <partitions,comma,separated>   after each GROUP_JOIN
//   BATCH <partition> <first> <last>    eachBatch mode: a batch is handed to the handler
//   MSG <partition> <offset> <value>    a record was processed (before its offset is resolved)
//   COMMIT <partition> <offset> <memberId> <generation>   a commit was acknowledged (offset = next to consume)
//   BLOCK / UNBLOCK                      block mode: the event loop is blocked (no timers, no heartbeats)
//   LOG <level> <message> <error>       the SDK's warnings and errors (e.g. a rejected commit)
// argv: <port> <groupId> <topic> <mode: batch | block> [block after N records] [block ms]
import { logLevel, PartitionAssigners, Sluice, type LogEntry } from '../../../src/client/index.js';

const [port, groupId, topic, mode, blockAfter = '10', blockMs = '3000'] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string?,
  string?,
];
const out = (line: string) => process.stdout.write(`${line}\n`);
const sluice = new Sluice({
  clientId: `member-${mode}`,
  brokers: [`127.0.0.1:${port}`],
  connectionTimeout: 1000,
  retry: { retries: 5, initialRetryTime: 50, maxRetryTime: 500 },
  logLevel: logLevel.WARN,
  logCreator: () => (e: LogEntry) =>
    out(`LOG ${e.label} ${e.log.message} ${String((e.log as { error?: unknown }).error ?? '')}`.replace(/\n/g, ' ')),
});
const consumer = sluice.consumer({
  groupId,
  sessionTimeout: 1000,
  rebalanceTimeout: 2000,
  heartbeatInterval: 100,
  maxWaitTimeInMs: 100,
  partitionAssigners: [PartitionAssigners.range],
});
consumer.on(consumer.events.GROUP_JOIN, (e) =>
  out(`JOIN ${((e.payload.memberAssignment as Record<string, number[]>)[topic] ?? []).join(',')}`),
);
consumer.on(consumer.events.COMMIT_OFFSETS, (e) => {
  const { memberId, groupGenerationId } = e.payload as { memberId: string; groupGenerationId: number };
  for (const t of e.payload.topics as Array<{ partitions: Array<{ partition: number; offset: string }> }>)
    for (const p of t.partitions) out(`COMMIT ${p.partition} ${p.offset} ${memberId} ${groupGenerationId}`);
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
let seen = 0;
if (mode === 'batch') {
  await consumer.run({
    eachBatch: async ({ batch, resolveOffset }) => {
      out(`BATCH ${batch.partition} ${batch.firstOffset()} ${batch.lastOffset()}`);
      for (const m of batch.messages) {
        await sleep(3);
        out(`MSG ${batch.partition} ${m.offset} ${m.value!.toString()}`);
        resolveOffset(m.offset);
      }
    },
  });
} else {
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      await sleep(2);
      out(`MSG ${partition} ${message.offset} ${message.value!.toString()}`);
      if (++seen === Number(blockAfter)) {
        out('BLOCK');
        const until = Date.now() + Number(blockMs);
        while (Date.now() < until); // a handler doing synchronous work: the event loop (and heartbeats) stop
        out('UNBLOCK');
      }
    },
  });
}
