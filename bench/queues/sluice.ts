// Sluice as a queue: the built `sluice serve` in its own process, a one-partition topic, and SDK share
// consumers of one share group (maxInFlight = the workload's). Two durabilities, one per peer:
//   - flush=always (RabbitMQ's quorum queue): a produce is answered after fsync, an acknowledgement once
//     the share-group state recording it is fsynced;
//   - flush=interval:120000 (JetStream's default file store): written to the OS before the answer (a
//     broker SIGKILL loses nothing), fsynced every 2 minutes.
// The producer loads with acks=-1, idempotent, in sends of 1,000 records.
// The members run the built SDK (dist/, as an application does; `npm run build` first; SLUICE_BENCH_SDK=src
// runs the sources, bench/lib/sdk.ts).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startBrokerProcess } from '../lib/broker-process.js';
import { sdk } from '../lib/sdk.js';
import { handle, payload, type QueueSystem, type WorkloadOptions, whenCount } from './workload.js';

const { logLevel, Sluice } = sdk;
type Sluice = InstanceType<typeof Sluice>;

const SEND_SIZE = 1000;
const HOLDER = join(import.meta.dirname, 'sluice-holder.ts');

const DURABILITY = {
  always:
    'flush=always: a produce is answered after fsync, an acknowledgement once the share-group state recording it is fsynced',
  'interval:120000':
    'flush=interval:120000: produce and acknowledgement answered once written to the OS (a broker SIGKILL loses nothing), fsynced every 2 min',
} as const;

export async function startSluice(flush: keyof typeof DURABILITY = 'always'): Promise<QueueSystem> {
  const broker = await startBrokerProcess({ flush });
  const client = () => new Sluice({ brokers: [broker.address], logLevel: logLevel.NOTHING });
  const admin = client().admin();
  await admin.connect();

  const fresh = async (queue: string) => {
    await admin.createTopics({ topics: [{ topic: queue, numPartitions: 1 }], waitForLeaders: true });
  };

  return {
    name: `Sluice (share group, SDK shareConsumer, flush=${flush === 'always' ? 'always' : '2 min'})`,
    durability: DURABILITY[flush],
    brokerPid: broker.child.pid,
    async load(queue, records, size) {
      await fresh(queue);
      const producer = client().producer();
      await producer.connect();
      const body = payload(size);
      for (let sent = 0; sent < records; ) {
        const n = Math.min(SEND_SIZE, records - sent);
        await producer.send({ topic: queue, acks: -1, messages: Array.from({ length: n }, () => ({ value: body })) });
        sent += n;
      }
      await producer.disconnect();
    },
    async consume(queue, options: WorkloadOptions) {
      let acked = 0;
      const settled = whenCount(() => acked, options.records, options.timeoutMs, 'Sluice handlers');
      const started = performance.now();
      const members = await Promise.all(
        Array.from({ length: options.members }, async () => {
          const consumer = client().shareConsumer({ groupId: `bench-${queue}`, maxInFlight: options.maxInFlight });
          await consumer.connect();
          await consumer.subscribe({ topics: [queue], fromBeginning: true });
          await consumer.run({
            eachMessage: () =>
              new Promise<void>((resolve) =>
                handle(options.handlerMs, () => {
                  resolve();
                  acked++;
                  settled.check();
                }),
              ),
          });
          return consumer;
        }),
      );
      // `acked` counts handlers that resolved; the broker has stored every ack once the group's start
      // offset passed every record.
      await settled.promise;
      await waitForStart(admin, `bench-${queue}`, options.records, options.timeoutMs);
      const seconds = (performance.now() - started) / 1000;
      await Promise.all(members.map((m) => m.disconnect()));
      return seconds;
    },
    async redelivery(queue, lockMs) {
      // The holder is a separate process killed with SIGKILL once it has the record: a live share consumer
      // renews the locks of running handlers, so only a dead (or hung) member lets a lock expire.
      await fresh(queue);
      const producer = client().producer();
      await producer.connect();
      await producer.send({ topic: queue, acks: -1, messages: [{ value: payload(100) }] });
      await producer.disconnect();
      const group = `redeliver-${queue}`;
      const holder = spawn(
        process.execPath,
        ['--import', 'tsx', HOLDER, broker.address, queue, group, String(lockMs)],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      const heldAt = await new Promise<number>((resolve, reject) => {
        holder.stdout!.on('data', (d: Buffer) => {
          const m = /holding (\d+)/.exec(d.toString());
          if (m) resolve(Number(m[1]));
        });
        holder.once('exit', (code) => reject(new Error(`the holder exited (${code}) before holding the record`)));
      });
      holder.kill('SIGKILL');
      let gotAt = 0;
      const other = client().shareConsumer({ groupId: group, maxInFlight: 1, lockTimeoutMs: lockMs });
      await other.connect();
      await other.subscribe({ topics: [queue], fromBeginning: true });
      await new Promise<void>((resolve) => {
        void other.run({
          eachMessage: async () => {
            gotAt = Date.now();
            resolve();
          },
        });
      });
      await other.disconnect();
      return gotAt - heldAt - lockMs;
    },
    async stop() {
      await admin.disconnect();
      await broker.stop();
    },
  };
}

/** Waits until the share group's start offset reached `end` with nothing parked: every record settled on the broker. */
async function waitForStart(
  admin: ReturnType<Sluice['admin']>,
  groupId: string,
  end: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = (await admin.describeShareGroups([groupId])).groups[0]?.partitions[0];
    // Records waiting for a retry are parked below the start offset: none may be left.
    if (p && p.startOffset >= end && p.available + p.acquired + p.waiting + p.deadLettering === 0) return;
    if (Date.now() > deadline) throw new Error(`Sluice: share group ${groupId} did not settle every record`);
    // Every step of this poll is added to the timed run: kept short (RabbitMQ's poll is the same).
    await new Promise((r) => setTimeout(r, 2));
  }
}
