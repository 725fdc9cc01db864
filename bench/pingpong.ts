// Per-request cost of the produce path, one request at a time (no overlap): a producer awaits each
// send() of one 100-byte record for --seconds; prints round trips/s, RTT p50/p99 and CPU µs per request
// of the broker process (/proc) and of this client process.
//   node --import tsx bench/pingpong.ts [--seconds 3] [--runs 3] [--consumer] (a consumer long-polls the topic too)
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { startBrokerProcess } from './lib/broker-process.js';
import { median, summarizeLatencies } from './lib/stats.js';
import { client, createTopic } from './lib/workloads.js';
import { numberOptions } from './lib/args.js';

const args = process.argv.slice(2);
const opt = numberOptions(args);
const cpuOf = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // ms
};
const rows = { broker: [] as number[], client: [] as number[], rate: [] as number[] };
for (let run = 0; run < opt('runs', 3); run++) {
  const broker = await startBrokerProcess({ flush: 'os' });
  try {
    await createTopic(broker, 't', 1);
    const sluice = client(broker);
    const producer = sluice.producer();
    await producer.connect();
    let consumer: ReturnType<typeof sluice.consumer> | undefined;
    if (args.includes('--consumer')) {
      consumer = sluice.consumer({ maxWaitTimeInMs: 500 });
      await consumer.connect();
      await consumer.subscribe({ topic: 't', fromBeginning: false });
      await consumer.run({ eachMessage: async () => {} });
    }
    const value = Buffer.alloc(100);
    for (let i = 0; i < 2000; i++) await producer.send({ topic: 't', messages: [{ value }] }); // warm-up
    const rtts: number[] = [];
    const b0 = cpuOf(broker.child.pid!);
    const c0 = process.cpuUsage();
    const end = performance.now() + opt('seconds', 3) * 1000;
    const t0 = performance.now();
    while (performance.now() < end) {
      const t = performance.now();
      await producer.send({ topic: 't', messages: [{ value }] });
      rtts.push(performance.now() - t);
    }
    const n = rtts.length;
    const brokerUs = ((cpuOf(broker.child.pid!) - b0) / n) * 1000;
    const c = process.cpuUsage(c0);
    const clientUs = (c.user + c.system) / n;
    const s = summarizeLatencies(rtts);
    rows.broker.push(brokerUs);
    rows.client.push(clientUs);
    rows.rate.push(n / ((performance.now() - t0) / 1000));
    process.stdout.write(
      `run ${run + 1}: ${n} round trips, RTT p50 ${s.p50.toFixed(3)} p99 ${s.p99.toFixed(3)} ms; CPU µs/request broker ${brokerUs.toFixed(1)}, client ${clientUs.toFixed(1)} (load ${loadavg()[0]!.toFixed(1)})\n`,
    );
    await consumer?.disconnect();
    await producer.disconnect();
  } finally {
    await broker.stop();
  }
}
process.stdout.write(
  `median: ${median(rows.rate).toFixed(0)} round trips/s; CPU µs/request broker ${median(rows.broker).toFixed(1)}, client ${median(rows.client).toFixed(1)}\n`,
);
