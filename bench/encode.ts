// In-process micro-benchmark of the producer's per-record work without network or broker: the path
// Producer.enqueue drives (PendingSend, Accumulator.append encoding each record into the partition's open
// batch, seal with header + CRC-32C when batchSize is reached), and BatchBuilder.append alone.
//   node --import tsx bench/encode.ts [--size 100] [--records 2000000] [--per-send 1000] [--string 0|1] [--headers 0|1] [--runs 5]
// Prints CPU ns per record (median and minimum of runs: on a loaded machine the minimum is the steadier) for each path. Sealed batches are acknowledged at once (no
// broker), so the accumulator recycles their buffers as it does with a broker that keeps up.
import { Accumulator } from '../src/client/producer/accumulator.js';
import { PendingSend } from '../src/client/producer/pending-send.js';
import { BatchBuilder } from '../src/records/batch-builder.js';
import { CompressionCodec } from '../storage/format/record-batch.js';
import { median } from './lib/stats.js';
import { numberOptions } from './lib/args.js';

const args = process.argv.slice(2);
const opt = numberOptions(args);
const size = opt('size', 100);
const records = opt('records', 2_000_000);
const perSend = opt('per-send', 1000);
const runs = opt('runs', 5);
const batchSize = 256 * 1024;
const value: Buffer | string = opt('string', 0) ? 'a'.repeat(size) : Buffer.alloc(size, 0x61);
const headers = opt('headers', 0) ? { trace: 'abc123', origin: Buffer.from('bench') } : undefined;
const messages = Array.from({ length: perSend }, () => ({
  key: null,
  value,
  headers,
  timestamp: undefined as number | undefined,
}));

/** CPU time (user + system) since `since`, in ns: wall time swings with the shared machine's load. */
function cpuNs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) * 1000;
}

/** The accumulator path, one send() of `perSend` messages at a time. */
function accumulatorPath(): number {
  const accumulator = new Accumulator({ batchSize, onBuilt: () => {} });
  const q = accumulator.queue('t', 0);
  let bytes = 0;
  const started = process.cpuUsage();
  for (let sent = 0; sent < records; sent += perSend) {
    const send = new PendingSend(
      1,
      30_000,
      CompressionCodec.None,
      () => {},
      () => {},
    );
    const now = Date.now();
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      accumulator.append(q, send, m.key, m.value, m.headers, m.timestamp ?? now);
    }
    send.seal();
    // What the sender does on the next turn: seal the open batch, send what is sealed, and the broker's answer
    // acknowledges it (the queue hands the offsets to the sends and the buffers are recycled).
    accumulator.seal(q);
    const batches = q.sendable();
    for (const batch of batches) bytes += batch.encoded!.length;
    q.commit(batches);
    q.acknowledge(batches, 0, -1, 0);
  }
  const ns = cpuNs(started);
  if (bytes < records * size) throw new Error('encoded fewer bytes than the records hold');
  return ns / records;
}

/** BatchBuilder alone, into one reused buffer: records appended until batchSize, then finish (header + CRC). */
function builderPath(): number {
  const now = Date.now();
  const storage = Buffer.allocUnsafe(batchSize + 61);
  let builder = new BatchBuilder(storage);
  const started = process.cpuUsage();
  for (let i = 0; i < records; i++) {
    if (builder.append(null, value, headers, now, batchSize) < 0) {
      builder.finish();
      builder = new BatchBuilder(storage);
      builder.append(null, value, headers, now, batchSize);
    }
  }
  builder.finish();
  return cpuNs(started) / records;
}

for (const [name, path] of [
  ['accumulator (send path)', accumulatorPath],
  ['BatchBuilder.append', builderPath],
] as const) {
  path(); // warm-up
  const samples = Array.from({ length: runs }, () => path());
  process.stdout.write(
    `${name}: ${median(samples).toFixed(1)} ns/record median, ${Math.min(...samples).toFixed(1)} min (runs: ${samples.map((s) => s.toFixed(0)).join(' ')}), ${size} B ${typeof value === 'string' ? 'string' : 'Buffer'} values${headers ? ', 2 headers' : ''}\n`,
  );
}
