// The consumer of the latency bench in its own process, as a real consuming application runs (forked by
// bench/lib/workloads.ts latency with consumer: 'process'). IPC: parent sends { address, topic, trace };
// child answers 'ready' once run() started, then on 'stop' disconnects and answers { sentAt, arrivedAt, offsets, trace,
// requests (with countRequests: its requests by API, and under `answers` the fetch responses and pushed
// FetchPush frames it received: its FETCH events) }.
import { sdk } from './sdk.js';
import { monoMs, startTrace, type Trace } from './latency-trace-hooks.js';
import { StampLog } from './stamp-log.js';
import { countClientRequests } from './workloads.js';

interface Start {
  address: string;
  topic: string;
  trace: boolean;
  countRequests?: boolean;
}

const send = (message: unknown) => new Promise<void>((resolve) => process.send!(message, () => resolve()));

process.once('message', async (start: Start) => {
  const stopTrace = start.trace ? startTrace({ sdkConnections: true, role: 'consumer' }) : undefined;
  const stopCounting = start.countRequests ? countClientRequests('consumer') : undefined;
  // The built SDK, as an application runs it; the sources when traced (the trace hooks instrument their classes).
  const { Sluice } = start.trace ? await import('../../src/index.js') : sdk;
  const consumer = new Sluice({ clientId: 'bench-consumer', brokers: [start.address], logLevel: 0 }).consumer({
    maxWaitTimeInMs: 500,
  });
  let answers = 0;
  if (start.countRequests) consumer.on(consumer.events.FETCH, () => void answers++);
  await consumer.connect();
  await consumer.subscribe({ topic: start.topic, fromBeginning: false });
  const sentAt = new StampLog();
  const arrivedAt = new StampLog();
  const offsets = new StampLog();
  await consumer.run({
    eachMessage: async ({ message }: { message: { value: Buffer | null; offset: string } }) => {
      arrivedAt.push(monoMs());
      sentAt.push(message.value!.readDoubleBE(0));
      if (start.trace) offsets.push(Number(message.offset));
    },
  });
  process.once('message', async () => {
    await consumer.disconnect();
    const trace: Trace | undefined = stopTrace?.();
    await send({
      sentAt: sentAt.toArray(),
      arrivedAt: arrivedAt.toArray(),
      offsets: offsets.toArray(),
      trace,
      ...(stopCounting ? { requests: { ...stopCounting(), answers } } : {}),
    });
    process.disconnect();
  });
  await send('ready');
});
