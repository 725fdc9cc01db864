// One process of replaying SDK consumers for bench/memory-consumers.ts: `count` consumers, each its own
// client (its own connection), no group, reading every partition of one topic from the beginning with
// eachBatch and starting again from offset 0 at the end of each partition, so they all keep replaying until
// told to stop.
// IPC: parent → Start; child → { type: 'ready' } once every consumer is connected and subscribed;
// parent → { type: 'go' } starts them all; child → { type: 'progress', bytes, records } every second;
// parent → { type: 'stop' }: the consumers disconnect and the process exits.
import { Sluice } from '../../src/index.js';

interface Start {
  type: 'start';
  count: number;
  address: string;
  topic: string;
  partitions: number;
  /** Records in each partition: a consumer seeks back to 0 after the last one. */
  recordsPerPartition: number;
  /** The consumers' fetch settings (an empty object: the SDK's defaults). */
  consumerConfig: Record<string, number>;
}

type Command = Start | { type: 'go' } | { type: 'stop' };

const send = (message: unknown) => new Promise<void>((resolve) => process.send!(message, () => resolve()));

type Consumer = ReturnType<Sluice['consumer']>;
const consumers: Consumer[] = [];
let bytes = 0;
let records = 0;
let start: Start;

async function open(): Promise<void> {
  // A few at a time: 250 connections opened at once from one loaded process only queue up.
  for (let i = 0; i < start.count; i += 25) {
    const opening = Array.from({ length: Math.min(25, start.count - i) }, async () => {
      const sluice = new Sluice({ clientId: 'memory-bench', brokers: [start.address], logLevel: 0 });
      const consumer = sluice.consumer(start.consumerConfig);
      await consumer.connect();
      await consumer.subscribe({ topic: start.topic, fromBeginning: true });
      consumers.push(consumer);
    });
    await Promise.all(opening);
  }
}

function go(): void {
  const last = String(start.recordsPerPartition - 1);
  for (const consumer of consumers) {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        records += batch.messages.length;
        for (const m of batch.messages) bytes += m.value === null ? 0 : m.value.length;
        if (batch.lastOffset() === last) consumer.seek({ topic: batch.topic, partition: batch.partition, offset: '0' });
      },
    });
  }
}

const progress = setInterval(() => void send({ type: 'progress', bytes, records }), 1000);

process.on('message', (command: Command) => {
  if (command.type === 'start') {
    start = command;
    open().then(
      () => send({ type: 'ready' }),
      (err: Error) => {
        process.stderr.write(`memory-consumers worker: ${err.message}\n`);
        process.exit(1);
      },
    );
  } else if (command.type === 'go') {
    go();
  } else {
    clearInterval(progress);
    // Disconnecting 250 consumers waits for their in-flight fetches; the parent kills the process if this hangs.
    void Promise.allSettled(consumers.map((c) => c.disconnect())).then(async () => {
      await send({ type: 'progress', bytes, records });
      process.exit(0);
    });
  }
});
