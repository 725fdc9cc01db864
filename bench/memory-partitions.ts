// Broker RSS with 10,000 partitions (issue 20): after creating them, after one write to every partition,
// and after a clean restart of the same data directory (lazy partitions stay dormant until first use).
//   node --import tsx bench/memory-partitions.ts [--partitions 10000] [--topics 2]
// Prints the broker's RSS (MiB) at each step beside an empty broker's, measured in the same run.
import { rmSync } from 'node:fs';
import { startBrokerProcess } from './lib/broker-process.js';
import { load, rssMiB } from './lib/proc.js';
import { client, createTopic } from './lib/workloads.js';
import { numberOptions } from './lib/args.js';

const args = process.argv.slice(2);
const opt = numberOptions(args);
const partitions = opt('partitions', 10_000);
const topics = opt('topics', 2);
const perTopic = Math.ceil(partitions / topics);
const NOFILE = 65_536;

const settle = () => new Promise((resolve) => setTimeout(resolve, 1000));
const show = (what: string, mib: number) =>
  process.stdout.write(`${what}: RSS ${mib.toFixed(0)} MiB (load ${load()})\n`);

const broker = await startBrokerProcess({ flush: 'os', nofile: NOFILE });
const dataDir = broker.dataDir;
try {
  await settle();
  show('empty broker', rssMiB(broker.child.pid!));
  const t0 = performance.now();
  for (let t = 0; t < topics; t++) await createTopic(broker, `part-${t}`, perTopic);
  process.stdout.write(
    `created ${topics} × ${perTopic} partitions in ${((performance.now() - t0) / 1000).toFixed(2)} s\n`,
  );
  await settle();
  show('after create', rssMiB(broker.child.pid!));
  const producer = client(broker).producer();
  await producer.connect();
  const value = Buffer.alloc(100, 0x61);
  for (let t = 0; t < topics; t++) {
    const messages = Array.from({ length: perTopic }, (_, partition) => ({ partition, value }));
    await producer.send({ topic: `part-${t}`, messages });
  }
  await producer.disconnect();
  await settle();
  show('after one record to every partition', rssMiB(broker.child.pid!));
} finally {
  await broker.stop({ keepData: true, graceMs: 60_000 });
}
const restarted = await startBrokerProcess({ flush: 'os', nofile: NOFILE, dataDir });
try {
  process.stdout.write(`clean restart: listening after ${restarted.startMs.toFixed(0)} ms\n`);
  await settle();
  show('after a clean restart', rssMiB(restarted.child.pid!));
} finally {
  await restarted.stop({ graceMs: 60_000 });
  rmSync(dataDir, { recursive: true, force: true });
}
