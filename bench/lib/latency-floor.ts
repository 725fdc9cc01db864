// The latency floor of this machine: the latency bench's work without Sluice. Three Node processes,
// like the Sluice run (producer = this process, broker, consumer): producer → a relay that only forwards
// bytes → consumer, over loopback TCP with no-delay, the same send pattern (sendPaced: one 100-byte record
// per write, bursts every ~1 ms, send time stamped in the record) and the same monotonic clock. Whatever
// Sluice's latency adds above this floor is ours; the floor itself is the machine (scheduling, steal, GC).
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterWarmup, sendPaced } from './latency-pattern.js';
import { monoMs } from './latency-trace-hooks.js';
import { clientExecArgv, stealMeter } from './proc.js';
import { StampLog } from './stamp-log.js';
import { summarizeLatencies } from './stats.js';
import type { LatencyClients } from './latency-interleaved.js';
import type { LatencyRun } from './workloads.js';

const RECORD = 100;

/**
 * Relay: listens on two ports; bytes from any producer connection go as they are to the consumer connection.
 * With `exchange` it also makes Sluice's two extra hops, without any other work: each producer chunk is
 * answered with a 1-byte ack (the produce response), and the consumer gets bytes only against a 1-byte
 * request (its fetch), parked until bytes arrive (the long poll) — four wake-ups per burst instead of two.
 * With `acks` only the first of those: each producer chunk is answered with a 1-byte ack after it is forwarded
 * (what acks=1 asks of any broker, whose caught-up consumer is pushed to: three wake-ups per burst).
 * With `append` it writes each producer chunk to the end of a file (one synchronous write into the page cache,
 * in the directory a bench broker keeps its data in) before it forwards or acknowledges it: the one piece of
 * work a broker cannot leave out of the path, a log append, without anything else Sluice does.
 */
function runRelay(exchange: boolean, acks: boolean, append: boolean): void {
  let log = -1;
  if (append) {
    // Removed once open: the writes go on to the open file, and nothing is left behind however this ends.
    const logDir = mkdtempSync(join(tmpdir(), 'sluice-bench-floor-'));
    log = openSync(join(logDir, 'log'), 'w');
    rmSync(logDir, { recursive: true, force: true });
  }
  let logEnd = 0;
  let appends = 0;
  if (append)
    process.once('SIGTERM', () => {
      // Records per append, beside Sluice's records per produce request (quick.ts --requests).
      process.stderr.write(`  appending floor: ${appends} appends of ${logEnd / RECORD} records\n`);
      process.exit(0);
    });
  let out: Socket | undefined;
  let parked = !exchange; // without exchange the consumer always "has a fetch parked"
  let pending: Buffer[] = [];
  const forward = (chunk: Buffer) => {
    if (!out || !parked) return void pending.push(chunk);
    out.write(chunk);
    if (exchange) parked = false;
  };
  const ACK = Buffer.from([1]);
  const consumers = createServer((socket) => {
    socket.setNoDelay(true);
    out = socket;
    socket.on('data', () => {
      parked = true;
      if (pending.length === 0) return;
      const chunk = Buffer.concat(pending);
      pending = [];
      forward(chunk);
    });
  });
  const producers = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (append) {
        logEnd += writeSync(log, chunk, 0, chunk.length, logEnd);
        appends++;
      }
      if (exchange) socket.write(ACK);
      forward(chunk);
      if (acks) socket.write(ACK); // after the forward, as a broker pushes before it answers
    });
  });
  let listening = 0;
  const ready = () => {
    if (++listening < 2) return;
    const port = (server: typeof consumers) => (server.address() as AddressInfo).port;
    process.send!({ consumerPort: port(consumers), producerPort: port(producers) });
  };
  consumers.listen(0, '127.0.0.1', ready);
  producers.listen(0, '127.0.0.1', ready);
  process.once('disconnect', () => process.exit(0));
}

/** Consumer: stamps each whole 100-byte record's arrival (records may straddle socket chunks). */
function runConsumer(): void {
  process.once('message', (start: { port: number; exchange: boolean }) => {
    const sentAt = new StampLog();
    const arrivedAt = new StampLog();
    let carry: Buffer = Buffer.alloc(0);
    const FETCH = Buffer.from([1]);
    const socket = connect(start.port, '127.0.0.1', () => {
      if (start.exchange) socket.write(FETCH);
      process.send!('ready');
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      const now = monoMs();
      const bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      let at = 0;
      for (; at + RECORD <= bytes.length; at += RECORD) {
        arrivedAt.push(now);
        sentAt.push(bytes.readDoubleBE(at));
      }
      carry = bytes.subarray(at);
      if (start.exchange) socket.write(FETCH);
    });
    process.once('message', () => {
      socket.destroy();
      process.send!({ sentAt: sentAt.toArray(), arrivedAt: arrivedAt.toArray() }, () => process.disconnect());
    });
  });
}

/** What the relay does besides forwarding (see runRelay); the floor's default is neither. */
export interface FloorOptions {
  /** Sluice's produce acks and one request per consumer delivery. */
  exchange?: boolean;
  /** Each producer chunk answered with an ack once forwarded (the consumer's side left as it is). */
  acks?: boolean;
  /** Each producer chunk appended to a file before it is forwarded. */
  append?: boolean;
}

function child(role: string, options: FloorOptions): { process: ChildProcess; next(): Promise<unknown> } {
  const flags = [
    ...(options.exchange ? ['--exchange'] : []),
    ...(options.acks ? ['--acks'] : []),
    ...(options.append ? ['--append'] : []),
  ];
  const proc = fork(new URL(import.meta.url), [role, ...flags], {
    execArgv: clientExecArgv(),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = () =>
    new Promise<unknown>((resolve, reject) => {
      proc.once('message', resolve);
      proc.once('exit', (code) => reject(new Error(`latency floor ${role} exited (${code})`)));
    });
  return { process: proc, next };
}

/**
 * The floor's three processes started and connected (this process is the producer): `send` writes one record
 * to the relay; `collect()` stops the consumer and gives every record it stamped; `close()` kills the children.
 * `options`: what the relay does besides forwarding (FloorOptions, runRelay).
 */
export async function openFloor(options: FloorOptions = {}): Promise<LatencyClients> {
  const exchange = options.exchange ?? false;
  const relay = child('--relay', options);
  const consumer = child('--consumer', options);
  const close = () => {
    relay.process.kill();
    consumer.process.kill();
  };
  try {
    const { consumerPort, producerPort } = (await relay.next()) as { consumerPort: number; producerPort: number };
    const consumerReady = consumer.next();
    consumer.process.send({ port: consumerPort, exchange });
    await consumerReady;
    const producer = connect(producerPort, '127.0.0.1');
    producer.setNoDelay(true);
    producer.on('data', () => {}); // acks (exchange, acks): read, as the SDK reads its produce responses
    await new Promise<void>((resolve) => producer.once('connect', () => resolve()));
    return {
      pids: [relay.process.pid!, consumer.process.pid!],
      send: (value) => void producer.write(value),
      async collect() {
        producer.destroy();
        const result = consumer.next();
        consumer.process.send('stop');
        return (await result) as { sentAt: number[]; arrivedAt: number[] };
      },
      close,
    };
  } catch (error) {
    close();
    throw error;
  }
}

/**
 * One floor run at `rate` records/s for `seconds` (same warm-up as the Sluice run: the first 0.5 s is dropped).
 * `options`: what the relay does besides forwarding (FloorOptions, runRelay).
 */
export async function latencyFloor(rate: number, seconds: number, options: FloorOptions = {}): Promise<LatencyRun> {
  const floor = await openFloor(options);
  try {
    await new Promise((r) => setTimeout(r, 300));
    const warmupEnds = monoMs() + 500;
    const steal = stealMeter(floor.pids);
    await sendPaced(rate, seconds, floor.send);
    await new Promise((r) => setTimeout(r, 1000));
    const machine = steal.stop();
    const consumed = await floor.collect();
    return { ...summarizeLatencies(afterWarmup(consumed, warmupEnds).samples), ...machine, sent: rate * seconds };
  } finally {
    floor.close();
  }
}

if (process.argv.includes('--relay'))
  runRelay(process.argv.includes('--exchange'), process.argv.includes('--acks'), process.argv.includes('--append'));
else if (process.argv.includes('--consumer')) runConsumer();
