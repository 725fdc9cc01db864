// RabbitMQ (Debian `rabbitmq-server`, installed when missing) as a queue peer: a durable quorum queue
// (every publish confirmed after the Raft log is fsynced) or a durable classic queue with persistent
// messages (confirmed after the message store's batched fsync), publisher confirms, manual acks, prefetch =
// maxInFlight per consumer, client amqplib. The server runs as a child on free loopback ports with its
// data, logs, cookie and (empty) plugin list in a temporary directory, and is stopped with the bench.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp, { type ConsumeMessage } from 'amqplib';
import { ensureDebianPackage, freePort, startProcess, stopProcess, waitForPort } from '../lib/processes.js';
import { handle, payload, type QueueSystem, type WorkloadOptions, whenCount } from './workload.js';

const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
const PUBLISH_WINDOW = 1000;

export type RabbitQueueType = 'quorum' | 'classic';

export async function startRabbitMq(queueType: RabbitQueueType = 'quorum'): Promise<QueueSystem> {
  ensureDebianPackage('rabbitmq-server', 'rabbitmq-server');
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-rabbitmq-'));
  const port = await freePort();
  const distPort = await freePort();
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  writeFileSync(join(dir, 'rabbitmq.conf'), `listeners.tcp.default = 127.0.0.1:${port}\nloopback_users = none\n`);
  const env = {
    ...process.env,
    HOME: dir,
    RABBITMQ_NODENAME: `sluicebench${port}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
  };
  const server = startProcess(SERVER, [], env);
  const stopServer = async () => {
    await stopProcess(server, 'SIGTERM', 15_000);
    rmSync(dir, { recursive: true, force: true });
    // The node started Erlang's port mapper daemon; it refuses to stop while another node uses it.
    spawnSync('epmd', ['-kill'], { stdio: 'ignore' });
  };
  try {
    await waitForPort(port, 90_000);
  } catch (err) {
    await stopServer();
    throw err;
  }
  const url = `amqp://guest:guest@127.0.0.1:${port}`;
  // The port opens a little before the node accepts AMQP sessions.
  const admin = await retry(() => amqp.connect(url), 30_000);
  const adminChannel = await admin.createChannel();

  const fresh = async (queue: string) => {
    await adminChannel.deleteQueue(queue);
    await adminChannel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': queueType } });
  };

  return {
    name: `RabbitMQ 3.10 (${queueType} queue, amqplib)`,
    durability:
      queueType === 'quorum'
        ? 'durable quorum queue on one node: a publish is confirmed once its Raft log entry is fsynced; acks are Raft entries too'
        : 'durable classic queue, persistent messages: a publish is confirmed once the message store has fsynced it (batched)',
    async load(queue, records, size) {
      await fresh(queue);
      const connection = await amqp.connect(url);
      const channel = await connection.createConfirmChannel();
      const body = payload(size);
      for (let sent = 0; sent < records; ) {
        const n = Math.min(PUBLISH_WINDOW, records - sent);
        for (let i = 0; i < n; i++) channel.sendToQueue(queue, body, { persistent: true });
        await channel.waitForConfirms();
        sent += n;
      }
      await connection.close();
    },
    async consume(queue, options: WorkloadOptions) {
      let acked = 0;
      const done = whenCount(() => acked, options.records, options.timeoutMs, 'RabbitMQ acks');
      const started = performance.now();
      const members = await Promise.all(
        Array.from({ length: options.members }, async () => {
          const connection = await amqp.connect(url);
          const channel = await connection.createChannel();
          await channel.prefetch(options.maxInFlight);
          await channel.consume(
            queue,
            (message: ConsumeMessage | null) => {
              if (message === null) return;
              handle(options.handlerMs, () => {
                channel.ack(message);
                acked++;
                done.check();
              });
            },
            { noAck: false },
          );
          return { connection, channel };
        }),
      );
      await done.promise;
      // The handlers' count can reach `records` with some still in the queue (a delivery the server made
      // again): the members keep consuming until the queue has no ready message.
      const ready = () => adminChannel.checkQueue(queue).then((q) => q.messageCount);
      await until(async () => (await ready()) === 0, 30_000);
      // Closing the channels waits for the server to have taken every ack; a quorum queue may still be
      // applying them through its Raft log: until its count is 0 it does not have every ack (counted).
      await Promise.all(members.map(({ channel }) => channel.close()));
      await until(async () => (await ready()) === 0, 30_000);
      const seconds = (performance.now() - started) / 1000;
      await Promise.all(members.map(({ connection }) => connection.close()));
      const left = await ready();
      // Seen with quorum queues and 100 in flight per channel: a few records back in the queue after the
      // channels closed although the handlers acked as many deliveries as there were records (deliveries
      // made again). Reported, not hidden; the rate counts them as acknowledged.
      if (left !== 0)
        process.stderr.write(`RabbitMQ: ${left} of ${options.records} records back in the queue after the run\n`);
      return seconds;
    },
    async redelivery(queue) {
      // RabbitMQ has no per-message lock: a record comes back when the channel holding it closes (or after
      // consumer_timeout, 30 min by default, which closes that channel). Measured from the close.
      await fresh(queue);
      const publisher = await amqp.connect(url);
      const confirm = await publisher.createConfirmChannel();
      confirm.sendToQueue(queue, payload(100), { persistent: true });
      await confirm.waitForConfirms();
      await publisher.close();
      const holder = await amqp.connect(url);
      const holding = await holder.createChannel();
      await holding.prefetch(1);
      await new Promise<void>((resolve) => {
        void holding.consume(queue, (m) => m && resolve(), { noAck: false });
      });
      const other = await amqp.connect(url);
      const otherChannel = await other.createChannel();
      await otherChannel.prefetch(1);
      let gotAt = 0;
      const got = new Promise<void>((resolve) => {
        void otherChannel.consume(
          queue,
          (m) => {
            if (!m) return;
            gotAt = performance.now();
            otherChannel.ack(m);
            resolve();
          },
          { noAck: false },
        );
      });
      const closedAt = performance.now();
      await holding.close();
      await got;
      await holder.close();
      await other.close();
      return gotAt - closedAt;
    },
    async stop() {
      await admin.close().catch(() => {});
      await stopServer();
    },
  };
}

async function retry<T>(fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Polls `done` every 2 ms until it is true or `timeoutMs` passed (the poll step is added to the timed run). */
async function until(done: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
}
