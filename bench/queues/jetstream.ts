// NATS JetStream (Debian `nats-server`, installed when missing) as a queue peer: a work-queue stream on file
// storage, a durable pull consumer with explicit acks shared by every member, max_ack_pending = members ×
// maxInFlight and each member pulling at most maxInFlight at a time; client nats.js. The server runs on a
// free loopback port with its store in a temporary directory (bench/peers/nats.ts).
import { AckPolicy, connect, type JetStreamManager, type JsMsg, RetentionPolicy, StorageType } from 'nats';
import { startNatsServer } from '../peers/nats.js';
import { handle, payload, type QueueSystem, type WorkloadOptions, whenCount } from './workload.js';

const PUBLISH_WINDOW = 1000;
const CONSUMER = 'workers';

export async function startJetStream(): Promise<QueueSystem> {
  const server = await startNatsServer();
  const servers = `127.0.0.1:${server.port}`;
  const admin = await connect({ servers });
  const jsm = await admin.jetstreamManager();

  const freshStream = async (queue: string) => {
    await jsm.streams.delete(queue).catch(() => false);
    await jsm.streams.add({
      name: queue,
      subjects: [queue],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
    });
  };

  return {
    name: 'NATS JetStream 2.9 (work-queue stream, nats.js)',
    durability:
      'file store: a publish is acknowledged once written to the OS, fsynced every 2 min (2.9 has no per-write fsync); acks delete from the store',
    async load(queue, records, size) {
      // The consumer is made by consume() with the run's limits; load only fills the stream.
      await freshStream(queue);
      const js = admin.jetstream();
      const body = payload(size);
      for (let sent = 0; sent < records; ) {
        const n = Math.min(PUBLISH_WINDOW, records - sent);
        const acks: Array<Promise<unknown>> = [];
        for (let i = 0; i < n; i++) acks.push(js.publish(queue, body));
        await Promise.all(acks);
        sent += n;
      }
    },
    async consume(queue, options: WorkloadOptions) {
      await addConsumer(jsm, queue, options.members * options.maxInFlight, 30_000);
      let acked = 0;
      const done = whenCount(() => acked, options.records, options.timeoutMs, 'JetStream acks');
      const started = performance.now();
      const members = await Promise.all(
        Array.from({ length: options.members }, async () => {
          const nc = await connect({ servers });
          const consumer = await nc.jetstream().consumers.get(queue, CONSUMER);
          const messages = await consumer.consume({
            max_messages: options.maxInFlight,
            callback: (m: JsMsg) =>
              handle(options.handlerMs, () => {
                m.ack();
                acked++;
                done.check();
              }),
          });
          return { nc, messages };
        }),
      );
      await done.promise;
      // A flush round trip per connection: the server has read every ack sent before it.
      await Promise.all(members.map(({ nc }) => nc.flush()));
      const seconds = (performance.now() - started) / 1000;
      for (const { messages } of members) messages.stop();
      await Promise.all(members.map(({ nc }) => nc.close()));
      const info = await jsm.streams.info(queue);
      if (info.state.messages !== 0) throw new Error(`JetStream: ${info.state.messages} records left after the run`);
      return seconds;
    },
    async redelivery(queue, lockMs) {
      await freshStream(queue);
      await addConsumer(jsm, queue, 10, lockMs);
      await admin.jetstream().publish(queue, payload(100));
      const holder = await connect({ servers });
      const held = await (await holder.jetstream().consumers.get(queue, CONSUMER)).next({ expires: 5000 });
      if (!held) throw new Error('JetStream: the record was not delivered');
      const heldAt = performance.now();
      const other = await connect({ servers });
      const again = await (await other.jetstream().consumers.get(queue, CONSUMER)).next({ expires: lockMs + 10_000 });
      const gotAt = performance.now();
      if (!again) throw new Error('JetStream: the record was not redelivered');
      again.ack();
      await other.flush();
      await holder.close();
      await other.close();
      return gotAt - heldAt - lockMs;
    },
    async stop() {
      await admin.close();
      await server.stop();
    },
  };

  async function addConsumer(m: JetStreamManager, queue: string, maxAckPending: number, ackWaitMs: number) {
    await m.consumers.delete(queue, CONSUMER).catch(() => false);
    await m.consumers.add(queue, {
      durable_name: CONSUMER,
      ack_policy: AckPolicy.Explicit,
      ack_wait: ackWaitMs * 1_000_000,
      max_ack_pending: maxAckPending,
    });
  }
}
