// The consumer of bench/replay-large.ts --consumer in a process of its own, so that its CPU, page faults
// and resident memory are the consumer's alone (not the producer's that filled the topic in the bench
// process). IPC: the parent sends { address, topic, records, config }; the child replays them from the
// beginning (eachBatch) and answers { rate, userMs, systemMs, faults, rssBytes, maxRssBytes }, then exits.
// SLUICE_BENCH_NO_PRIMER=1 (an A/B switch for this bench only): the frame pool's allocator primer is marked
// as done before the replay, so frames are allocated as they were before it (src/client/frame-pool.ts).
import { framePool } from '../../src/client/frame-pool.js';
import { profiled } from './client-profile.js';
import type { BrokerProcess } from './broker-process.js';
import { replay } from './workloads.js';

interface Start {
  address: string;
  topic: string;
  records: number;
  size: number;
  config: Record<string, number | boolean>;
}

process.once('message', async (start: Start) => {
  if (process.env.SLUICE_BENCH_NO_PRIMER === '1') framePool.primed = true;
  const broker = { address: start.address } as BrokerProcess;
  const cpu0 = process.cpuUsage();
  const faults0 = process.resourceUsage().minorPageFault;
  const rate = await profiled(`replay-${start.size}`, () =>
    replay(broker, start.topic, start.records, 'eachBatch', start.config),
  );
  const cpu = process.cpuUsage(cpu0);
  const usage = process.resourceUsage();
  const result = {
    rate,
    userMs: cpu.user / 1000,
    systemMs: cpu.system / 1000,
    faults: usage.minorPageFault - faults0,
    rssBytes: process.memoryUsage().rss,
    maxRssBytes: usage.maxRSS * 1024,
  };
  process.send!(result, () => process.disconnect());
});
