// A broker process for bench/latency-trace.ts: the built broker (dist/) with its connection and wake-up
// paths wrapped (bench only, no product code changes) to record a timeline of what it did, plus
// event-loop delay and GC pauses. Usage: node bench/lib/traced-broker.ts <port> <dataDir> <out.json>
// On SIGTERM it stops the broker and writes the events to out.json.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monoMs as now, startTrace } from './latency-trace-hooks.js';

const [portArg, dataDir, out] = process.argv.slice(2);
const dist = join(import.meta.dirname, '..', '..', 'dist', 'src', 'broker');
const { Broker } = (await import(join(dist, 'broker.js'))) as typeof import('../../src/broker/broker.js');
const { Connection } = (await import(
  join(dist, 'transport', 'connection.js')
)) as typeof import('../../src/broker/transport/connection.js');
const { PartitionWaiters } = (await import(
  join(dist, 'fetch', 'waiters.js')
)) as typeof import('../../src/broker/fetch/waiters.js');

// Broker-side events are pushed into the trace's own list; GC, loop delay and schedstat come with it.
const stopTrace = startTrace({ sdkConnections: false });
const events: Array<[number, string, number]> = [];

type AnyProto = Record<string, (...args: unknown[]) => unknown>;
const conn = Connection.prototype as unknown as AnyProto;
// Both read paths pass through received(bytes, decode): direct reads (onread) and 'data' events.
const received = conn.received!;
conn.received = function (this: unknown, bytes: unknown, decode: unknown) {
  events.push([now(), 'recv', bytes as number]);
  return received.call(this, bytes, decode);
};
const flush = conn.flush!;
conn.flush = function (this: { slots: Array<{ done: boolean; frame: Buffer[] | null }> }) {
  let bytes = 0;
  for (const s of this.slots) {
    if (!s.done) break;
    for (const c of s.frame ?? []) bytes += c.length;
  }
  if (bytes > 0) events.push([now(), 'write', bytes]);
  return flush.call(this);
};
const waiters = PartitionWaiters.prototype as unknown as AnyProto;
const notify = waiters.notify!;
waiters.notify = function (this: { size: number }, ...args: unknown[]) {
  events.push([now(), 'notify', this.size]);
  return notify.apply(this, args);
};
const register = waiters.register!;
waiters.register = function (this: unknown, ...args: unknown[]) {
  events.push([now(), 'arm', 0]);
  return register.apply(this, args);
};

const broker = new Broker({ dataDir: dataDir!, port: Number(portArg), flush: 'os' });
await broker.start();
process.on('SIGTERM', () => {
  void broker.stop().then(() => {
    const trace = stopTrace();
    writeFileSync(out!, JSON.stringify({ ...trace, events }));
    process.exit(0);
  });
});
