// Issue 20's produce target (100 B records at ≥ 4 M records/s) beside what bare Node code reaches with the same
// record format on this machine, in one run. The floor: this process encodes batches with the SDK's record
// encoder (src/records/batch-builder.ts, CRC-32C included) from message objects as an application passes them
// (`{ value }`, each one's fields read as the SDK reads them) and writes each, length-prefixed, to a sink in another
// process, which checks each batch (storage/format's validateBatch, CRC-32C included), appends it to a file in
// the page cache and acknowledges it; `--in-flight` batches out at most. What the floor leaves out is what a
// broker and the SDK's send() add: request framing, offsets and indexes, idempotence, partitioning, the send
// API's promises. Then the same records through Sluice (`quick.ts produce`'s path: the built broker, flush os,
// acks=1, one producer), so the two rates and each side's CPU per record come from the same minutes.
//   node --import tsx bench/produce-floor.ts [--records 3000000] [--warmup 1000000] [--size 100]
//     [--batch-records 8000] [--in-flight 2] [--runs 3] [--warmup-requests N] [--sends-in-flight 16]
// --warmup-requests N: the Sluice side's warm-up ends with N one-record requests (quick.ts produce's option of
// the same name: both processes' per-request code optimized); --sends-in-flight: its send() calls outstanding.
import { fork } from 'node:child_process';
import { childMessages } from './lib/processes.js';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchBuilder } from '../src/records/batch-builder.js';
import { validateBatch } from '../storage/format/record-batch.js';
import { numberOptions } from './lib/args.js';
import { startBrokerProcess } from './lib/broker-process.js';
import { describeCommit, describeMachine, today } from './lib/machine.js';
import { cpuSecondsOf, load } from './lib/proc.js';
import { median } from './lib/stats.js';
import { produce } from './lib/workloads.js';

const SINK_BUFFER_BYTES = 16 * 1024 * 1024;

/**
 * Child side: accepts one connection; reads length-prefixed batches into one reused buffer, checks each,
 * appends it to a file and acknowledges it with 4 bytes; reports its CPU when the peer ends.
 */
function runSink(): void {
  const path = join(tmpdir(), `sluice-produce-floor-${process.pid}`);
  const fd = openSync(path, 'w');
  const ack = Buffer.alloc(4);
  let cpu0 = process.cpuUsage();
  const server = createServer((socket) => {
    const buffer = Buffer.allocUnsafe(SINK_BUFFER_BYTES);
    let filled = 0;
    let batches = 0;
    socket.on('end', () => {
      const cpu = process.cpuUsage(cpu0);
      closeSync(fd);
      rmSync(path, { force: true });
      process.send!({ cpuSeconds: (cpu.user + cpu.system) / 1e6, batches });
      server.close();
    });
    // Each chunk is copied in after what is left of a cut-off frame (a copy Sluice's broker does not make);
    // whole frames are handled in place.
    socket.on('data', (chunk: Buffer) => {
      chunk.copy(buffer, filled);
      filled += chunk.length;
      let at = 0;
      let answered = 0;
      while (filled - at >= 4) {
        const length = buffer.readUInt32BE(at);
        if (filled - at - 4 < length) break;
        const batch = buffer.subarray(at + 4, at + 4 + length);
        validateBatch(batch, 0, true);
        writeSync(fd, batch);
        at += 4 + length;
        answered++;
      }
      if (answered > 0) {
        batches += answered;
        ack.writeUInt32BE(answered);
        socket.write(Buffer.from(ack));
      }
      buffer.copyWithin(0, at, filled);
      filled -= at;
    });
  });
  server.listen(0, '127.0.0.1', () => {
    cpu0 = process.cpuUsage();
    process.send!({ port: (server.address() as AddressInfo).port });
  });
}

interface FloorRun {
  recordsPerSecond: number;
  clientUsPerRecord: number;
  sinkUsPerRecord: number;
}

/** `records` of `size` B through the floor after `warmup` more (not timed); one fresh sink process. */
async function floorRun(
  records: number,
  warmup: number,
  size: number,
  batchRecords: number,
  inFlight: number,
): Promise<FloorRun> {
  const child = fork(import.meta.filename, ['--sink'], { execArgv: ['--import', 'tsx'] });
  const next = childMessages<{ port?: number; cpuSeconds?: number }>(child);
  const { port } = await next();
  const socket: Socket = connect(port!, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise<void>((r) => socket.once('connect', () => r()));
  let acked = 0;
  let ackWait: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    for (let at = 0; at + 4 <= chunk.length; at += 4) acked += chunk.readUInt32BE(at);
    ackWait?.();
  });
  const value = Buffer.alloc(size, 0x61);
  const appMessages: Array<{ value: Buffer; key?: Buffer | null; headers?: null; timestamp?: number | null }> =
    Array.from({ length: batchRecords }, () => ({ value }));
  const capacity = batchRecords * (size + 16) + 1024;
  // One builder per batch in flight (plus the one being filled), each writing into its own reused buffer.
  const storages = Array.from({ length: inFlight + 1 }, () => Buffer.allocUnsafe(capacity));
  let sent = 0;
  const send = async (count: number) => {
    for (let done = 0; done < count; ) {
      while (sent - acked >= inFlight) await new Promise<void>((r) => (ackWait = r));
      const n = Math.min(batchRecords, count - done);
      const builder = new BatchBuilder(storages[sent % storages.length]!, capacity);
      const now = Date.now();
      // Each record from an application's message object, read as a kafkajs-shaped producer must.
      for (let i = 0; i < n; i++) {
        const message = appMessages[i]!;
        const ts = message.timestamp;
        const timestamp = ts === undefined || ts === null ? now : typeof ts === 'number' ? ts : Number(ts);
        builder.append(message.key ?? null, message.value, message.headers, timestamp);
      }
      const batch = builder.finish();
      const prefix = Buffer.allocUnsafe(4);
      prefix.writeUInt32BE(batch.length);
      socket.cork();
      socket.write(prefix);
      socket.write(batch);
      socket.uncork();
      sent++;
      done += n;
    }
    while (acked < sent) await new Promise<void>((r) => (ackWait = r));
  };
  await send(warmup);
  const sinkCpu0 = cpuSecondsOf(child.pid!);
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await send(records);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const sinkSeconds = cpuSecondsOf(child.pid!) - sinkCpu0;
  socket.end();
  await next();
  child.kill();
  return {
    recordsPerSecond: records / seconds,
    clientUsPerRecord: (cpu.user + cpu.system) / records,
    sinkUsPerRecord: (sinkSeconds * 1e6) / records,
  };
}

/** The same records through Sluice: a fresh built broker (flush os), a warm-up producer, then the timed one. */
async function sluiceRun(
  records: number,
  warmup: number,
  size: number,
  warmupRequests: number,
  sendsInFlight: number,
): Promise<FloorRun> {
  const broker = await startBrokerProcess({ flush: 'os' });
  try {
    if (warmup > 0) await produce(broker, 't', warmup, size);
    if (warmupRequests > 0) await produce(broker, 't', warmupRequests, size, { inFlight: 1, perSend: 1 });
    const broker0 = cpuSecondsOf(broker.child.pid!);
    const cpu0 = process.cpuUsage();
    const rate = await produce(broker, 't', records, size, { inFlight: sendsInFlight });
    const cpu = process.cpuUsage(cpu0);
    return {
      recordsPerSecond: rate,
      clientUsPerRecord: (cpu.user + cpu.system) / records,
      sinkUsPerRecord: ((cpuSecondsOf(broker.child.pid!) - broker0) * 1e6) / records,
    };
  } finally {
    await broker.stop();
  }
}

if (process.argv.includes('--sink')) {
  runSink();
} else {
  const opt = numberOptions(process.argv.slice(2));
  const records = opt('records', 3_000_000);
  const warmup = opt('warmup', 1_000_000);
  const size = opt('size', 100);
  const batchRecords = opt('batch-records', 8000);
  const inFlight = opt('in-flight', 2);
  const runs = opt('runs', 3);
  const warmupRequests = opt('warmup-requests', 0);
  const sendsInFlight = opt('sends-in-flight', 16);
  const floors: FloorRun[] = [];
  const sluice: FloorRun[] = [];
  const line = (name: string, r: FloorRun) =>
    `${name}: ${(r.recordsPerSecond / 1e6).toFixed(3)} M records/s; CPU µs per record: writer ${r.clientUsPerRecord.toFixed(3)}, ` +
    `reader ${r.sinkUsPerRecord.toFixed(3)} (load ${load()})\n`;
  const started = performance.now();
  for (let run = 0; run < runs; run++) {
    // Alternating which goes first: the machine's state drifts.
    const order = run % 2 === 0 ? ['floor', 'sluice'] : ['sluice', 'floor'];
    for (const side of order) {
      if (side === 'floor') {
        const r = await floorRun(records, warmup, size, batchRecords, inFlight);
        floors.push(r);
        process.stdout.write(line(`run ${run + 1} floor`, r));
      } else {
        const r = await sluiceRun(records, warmup, size, warmupRequests, sendsInFlight);
        sluice.push(r);
        process.stdout.write(line(`run ${run + 1} Sluice`, r));
      }
    }
  }
  const m = (rs: FloorRun[], f: (r: FloorRun) => number) => median(rs.map(f));
  process.stdout.write(
    [
      '',
      `Date ${today()}, commit ${describeCommit()}, machine: ${describeMachine()}.`,
      `Command: \`node --import tsx bench/produce-floor.ts --records ${records} --warmup ${warmup} --size ${size} --batch-records ${batchRecords} --in-flight ${inFlight} --runs ${runs} --warmup-requests ${warmupRequests} --sends-in-flight ${sendsInFlight}\` (took ${((performance.now() - started) / 1000).toFixed(0)} s).`,
      `Floor (SDK encoder → socket → a sink that checks the CRC and appends to a file): median ${(m(floors, (r) => r.recordsPerSecond) / 1e6).toFixed(3)} M records/s, ` +
        `writer ${m(floors, (r) => r.clientUsPerRecord).toFixed(3)} + reader ${m(floors, (r) => r.sinkUsPerRecord).toFixed(3)} µs/record.`,
      `Sluice (SDK producer → broker, acks=1, flush os): median ${(m(sluice, (r) => r.recordsPerSecond) / 1e6).toFixed(3)} M records/s, ` +
        `client ${m(sluice, (r) => r.clientUsPerRecord).toFixed(3)} + broker ${m(sluice, (r) => r.sinkUsPerRecord).toFixed(3)} µs/record; ` +
        `${((m(sluice, (r) => r.recordsPerSecond) / m(floors, (r) => r.recordsPerSecond)) * 100).toFixed(0)} % of the floor.`,
      '',
    ].join('\n'),
  );
}
