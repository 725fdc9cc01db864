// The consumer of bench/replay-large.ts --consumer in a process of its own, so that its CPU, page faults
// and resident memory are the consumer's alone (not the producer's that filled the topic in the bench
// process). IPC: the parent sends { address, topic, records, size, config, timelineMs }; the child replays
// them from the beginning (eachBatch) and answers { rate, userMs, systemMs, faults, rssBytes, maxRssBytes, fetches,
// fetchBusy }, then exits. fetches: Fetch and FetchPush requests; fetchBusy: the share of the replay's wall
// time during which one was out (sent, its response or the stream's final frame not yet read whole; the
// consumer keeps at most one out per broker), from the SDK's request channel (millisecond clock). gcMs,
// minorGcs, majorGcs: the collections' pauses during the replay (perf_hooks 'gc' entries; a major one's
// incremental marking steps between its start and end are not in its entry). timeline (with timelineMs > 0):
// records delivered and page faults per slice (delivery-timeline.ts).
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { REQUEST_CHANNEL } from '../../src/client/network-events.js';
import { profiled } from './client-profile.js';
import { DeliveryTimeline } from './delivery-timeline.js';
import type { BrokerProcess } from './broker-process.js';
import { replay } from './workloads.js';

interface Start {
  address: string;
  topic: string;
  records: number;
  size: number;
  config: Record<string, number | boolean>;
  /** --timeline: the slice in ms (0: none). */
  timelineMs: number;
}

process.once('message', async (start: Start) => {
  const broker = { address: start.address } as BrokerProcess;
  let fetches = 0;
  let fetchMs = 0;
  const onRequest = (message: unknown) => {
    const { payload } = message as { payload: { apiName: string; duration: number } };
    if (payload.apiName !== 'Fetch' && payload.apiName !== 'FetchPush') return;
    fetches++;
    fetchMs += payload.duration;
  };
  subscribe(REQUEST_CHANNEL, onRequest);
  const gc = { ms: 0, minor: 0, major: 0 };
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.ms += entry.duration;
      const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) gc.major++;
      else if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gc.minor++;
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const faults0 = process.resourceUsage().minorPageFault;
  const timeline = start.timelineMs > 0 ? new DeliveryTimeline(start.timelineMs) : null;
  const rate = await profiled(`replay-${start.size}`, () =>
    replay(
      broker,
      start.topic,
      start.records,
      'eachBatch',
      start.config,
      timeline ? { onDelivered: timeline.delivered } : {},
    ),
  );
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - started;
  unsubscribe(REQUEST_CHANNEL, onRequest);
  for (const entry of gcObserver.takeRecords()) gc.ms += entry.duration;
  gcObserver.disconnect();
  const usage = process.resourceUsage();
  const result = {
    rate,
    userMs: cpu.user / 1000,
    systemMs: cpu.system / 1000,
    faults: usage.minorPageFault - faults0,
    rssBytes: process.memoryUsage().rss,
    maxRssBytes: usage.maxRSS * 1024,
    fetches,
    fetchBusy: fetchMs / wallMs,
    gcMs: gc.ms,
    minorGcs: gc.minor,
    majorGcs: gc.major,
    ...(timeline ? { timeline: timeline.finish() } : {}),
  };
  process.send!(result, () => process.disconnect());
});
