// Prometheus metrics (prom-client, a registry of our own), fed by the broker's diagnostics channels
// (src/broker/diagnostics.ts, storage's fsync channel) and, for what is state rather than events
// (lag, partitions, segments, log size, disk), read from the core at scrape time.
//
// Hot path: the produce, fetch and request subscribers add plain numbers to a tally object found with one
// Map lookup (per topic, or per listener and API) and build no label object or label string; the
// counters read the tallies when scraped. The request latency histogram is one of our own
// (series-histogram.ts): each slot keeps its series, and an observation adds to it.
//
// Cardinality: per-topic series (bytes/records in and out, lag) are kept for the first
// `metricsTopicLimit` topics seen; later topics are counted under topic="_other", so a broker with
// thousands of topics cannot grow the scrape without bound. 0 turns per-topic series off entirely.
// Groups (consumer and share groups) get the same treatment with `metricsGroupLimit`: rebalances of later
// groups are counted under group="_other", and they get no lag or share-group series.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import {
  connectionChannel,
  FSYNC_CHANNEL,
  fetchChannel,
  produceChannel,
  rebalanceChannel,
  requestChannel,
  type ConnectionEvent,
  type FetchEvent,
  type ProduceEvent,
  type RebalanceEvent,
  type RequestEvent,
} from '../broker/diagnostics.js';
import { errorInfo } from '../protocol/index.js';
import type { HttpCore } from './core.js';
import { type HistogramSeries, SeriesHistogram } from './series-histogram.js';
import type { QueuesCore } from './queues-core.js';
import type { Throughput } from './metrics-summary.js';
import type { FanoutStats, PartitionTails } from './ws/partition-tails.js';

const OTHER_TOPICS = '_other';
const OTHER_GROUPS = '_other';
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Record count of whole RecordBatch v2 batches laid end to end over `chunks` (batchLength, an int32 at byte
 * 8 of a batch, counts the bytes after byte 12; recordCount is the int32 at byte 57). Read in place, going
 * forward only: the chunks are the bytes a fetch answers with (a batch may straddle two of them), never
 * copied for this.
 */
export function countRecords(chunks: readonly Buffer[]): number {
  let records = 0;
  let chunk = 0;
  /** Where the current batch starts, within chunks[chunk]. */
  let start = 0;
  for (;;) {
    while (chunk < chunks.length && start >= chunks[chunk]!.length) start -= chunks[chunk++]!.length;
    if (chunk >= chunks.length) return records;
    const batchLength = int32At(chunks, chunk, start + 8);
    const count = int32At(chunks, chunk, start + 57);
    if (batchLength === undefined || count === undefined) return records;
    records += count;
    start += 12 + batchLength;
  }
}

/** The big-endian int32 at `offset` from the start of chunks[chunk], or undefined past the last byte. */
function int32At(chunks: readonly Buffer[], chunk: number, offset: number): number | undefined {
  const first = chunks[chunk]!;
  if (offset + 4 <= first.length) return first.readInt32BE(offset);
  let value = 0;
  let c = chunk;
  let at = offset;
  for (let k = 0; k < 4; k++) {
    while (c < chunks.length && at >= chunks[c]!.length) at -= chunks[c++]!.length;
    if (c >= chunks.length) return undefined;
    value = (value << 8) | chunks[c]![at++]!;
  }
  return value;
}

/** Bytes and records in and out of one topic label (topics past the limit share the "_other" tally). */
interface TopicTally {
  readonly topic: string;
  bytesIn: number;
  recordsIn: number;
  bytesOut: number;
  recordsOut: number;
}

/** Requests of one API on one listener; `labels` is handed to the histogram as is, never rebuilt. */
interface RequestSlot {
  readonly labels: { readonly listener: string; readonly api: string };
  /** The slot's series of sluice_request_duration_seconds; its count is sluice_requests_total's too. */
  readonly latency: HistogramSeries;
}

export class BrokerMetrics {
  readonly registry = new Registry();
  readonly #topicLimit: number;
  readonly #topics = new Set<string>();
  readonly #groupLimit: number;
  readonly #groups = new Set<string>();
  readonly #totals: Throughput = { recordsIn: 0, bytesIn: 0, recordsOut: 0, bytesOut: 0 };
  /** Per topic name; a topic counted under "_other" maps to the shared "_other" tally. */
  readonly #topicTallies = new Map<string, TopicTally>();
  /** The distinct tallies, in the order their labels appeared. */
  readonly #tallies: TopicTally[] = [];
  readonly #requestSlots = new Map<string, Map<string, RequestSlot>>();
  readonly #connections = new Map<string, number>();
  readonly #unsubscribe: Array<() => void> = [];

  readonly #latency: SeriesHistogram;
  readonly #produceErrors: Counter<'error'>;
  readonly #fetchErrors: Counter<'error'>;
  readonly #fsync: Histogram;
  readonly #rebalances: Counter<'group'>;

  constructor(
    core: HttpCore,
    options: { topicLimit: number; groupLimit: number; websocketTails?: PartitionTails; queues?: QueuesCore },
  ) {
    this.#topicLimit = options.topicLimit;
    this.#groupLimit = options.groupLimit;
    const registers = [this.registry];
    // The event-loop delay is sampled every 100 ms, not prom-client's 10 ms: a broker waiting for its
    // clients would otherwise wake 100 times a second for this alone (150 samples per 15 s scrape is enough).
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 100 });
    const requestSlots = this.#requestSlots;
    new Counter({
      name: 'sluice_requests_total',
      help: 'Requests handled, per listener (native, http) and API',
      labelNames: ['listener', 'api'],
      registers,
      collect() {
        this.reset();
        for (const slots of requestSlots.values())
          for (const slot of slots.values()) this.inc(slot.labels, slot.latency.count);
      },
    });
    this.#latency = new SeriesHistogram({
      name: 'sluice_request_duration_seconds',
      help: 'Time from a request being dispatched to its response being ready, per listener and API',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    const tallies = this.#tallies;
    const topicCounter = (name: string, help: string, read: (tally: TopicTally) => number) =>
      new Counter({
        name,
        help,
        labelNames: ['topic'],
        registers,
        collect() {
          this.reset();
          for (const tally of tallies) {
            const value = read(tally);
            if (value > 0) this.inc({ topic: tally.topic }, value);
          }
        },
      });
    topicCounter('sluice_topic_bytes_in_total', 'Record batch bytes stored, per topic', (t) => t.bytesIn);
    topicCounter('sluice_topic_records_in_total', 'Records stored, per topic', (t) => t.recordsIn);
    topicCounter('sluice_topic_bytes_out_total', 'Record batch bytes sent to consumers, per topic', (t) => t.bytesOut);
    topicCounter(
      'sluice_topic_records_out_total',
      'Records sent to consumers (whole batches), per topic',
      (t) => t.recordsOut,
    );
    this.#produceErrors = new Counter({
      name: 'sluice_produce_errors_total',
      help: 'Partitions of produce requests refused, per error',
      labelNames: ['error'],
      registers,
    });
    this.#fetchErrors = new Counter({
      name: 'sluice_fetch_errors_total',
      help: 'Partitions of fetch responses answered with an error, per error',
      labelNames: ['error'],
      registers,
    });
    this.#fsync = new Histogram({
      name: 'sluice_fsync_duration_seconds',
      help: 'Duration of data fsyncs (segment files)',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.#rebalances = new Counter({
      name: 'sluice_group_rebalances_total',
      help: 'Rebalances started, per consumer group',
      labelNames: ['group'],
      registers,
    });
    const connections = this.#connections;
    new Gauge({
      name: 'sluice_connections',
      help: 'Open client connections, per listener',
      labelNames: ['listener'],
      registers,
      collect() {
        for (const [listener, open] of connections) this.set({ listener }, open);
      },
    });
    const topicLabel = (topic: string) => this.#topicLabel(topic);
    const groupLabel = (group: string) => this.#groupLabel(group);
    new Gauge({
      name: 'sluice_consumer_group_lag',
      help: 'Log end minus committed offset, per group and partition (partitions with a committed offset)',
      labelNames: ['group', 'topic', 'partition'],
      registers,
      collect() {
        this.reset();
        for (const { groupId } of core.groups()) {
          if (groupLabel(groupId) === OTHER_GROUPS) continue;
          for (const lag of core.lags(groupId)) {
            if (lag.lag < 0) continue;
            const topic = topicLabel(lag.topic);
            if (topic === OTHER_TOPICS) continue;
            this.set({ group: groupId, topic, partition: String(lag.partition) }, lag.lag);
          }
        }
      },
    });
    let storage: Awaited<ReturnType<HttpCore['storage']>> | undefined;
    const refresh = async () => {
      storage = await core.storage();
      return storage;
    };
    new Gauge({
      name: 'sluice_partitions',
      help: 'Partitions (internal topics included)',
      registers,
      async collect() {
        this.set((await refresh()).partitions);
      },
    });
    const storageGauge = (name: string, help: string, pick: (s: NonNullable<typeof storage>) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          if (storage) this.set(pick(storage));
        },
      });
    storageGauge('sluice_segments', 'Segment files', (s) => s.segments);
    storageGauge('sluice_log_size_bytes', 'Bytes of all partition logs', (s) => s.sizeBytes);
    storageGauge('sluice_disk_free_bytes', 'Free bytes on the data directory filesystem', (s) => s.diskFreeBytes);
    storageGauge('sluice_disk_total_bytes', 'Size of the data directory filesystem', (s) => s.diskTotalBytes);
    storageGauge(
      'sluice_tail_cache_bytes',
      "Bytes the partitions' tail caches count (recent appends in memory, within tailCacheTotalBytes)",
      (s) => s.tailCacheBytes,
    );
    storageGauge(
      'sluice_tail_cache_pinned_bytes',
      'Of sluice_tail_cache_bytes: dropped from the caches, still viewed by responses not yet written',
      (s) => s.tailCachePinnedBytes,
    );
    new Gauge({
      name: 'sluice_topics',
      help: 'Topics (user topics)',
      registers,
      collect() {
        this.set(core.topics().filter((t) => !t.internal).length);
      },
    });

    if (options.websocketTails) websocketMetrics(options.websocketTails, registers);
    if (options.queues) queueMetrics(options.queues, registers, topicLabel, groupLabel);

    this.#on(requestChannel.name as string, (message) => {
      const e = message as RequestEvent;
      this.#request(e.listener, e.api, e.durationMs / 1000);
    });
    this.#on(produceChannel.name as string, (message) => {
      const e = message as ProduceEvent;
      if (e.errorCode !== 0) {
        this.#produceErrors.inc({ error: errorInfo(e.errorCode).name });
        return;
      }
      const tally = this.#tally(e.topic);
      tally.bytesIn += e.bytes;
      tally.recordsIn += e.records;
      this.#totals.bytesIn += e.bytes;
      this.#totals.recordsIn += e.records;
    });
    this.#on(fetchChannel.name as string, (message) => {
      const e = message as FetchEvent;
      if (e.errorCode !== 0) this.#fetchErrors.inc({ error: errorInfo(e.errorCode).name });
      if (e.bytes === 0) return;
      const records = countRecords(e.chunks);
      const tally = this.#tally(e.topic);
      tally.bytesOut += e.bytes;
      tally.recordsOut += records;
      this.#totals.bytesOut += e.bytes;
      this.#totals.recordsOut += records;
    });
    this.#on(connectionChannel.name as string, (message) => {
      const e = message as ConnectionEvent;
      this.#connections.set(e.listener, (this.#connections.get(e.listener) ?? 0) + e.delta);
    });
    this.#on(rebalanceChannel.name as string, (message) => {
      this.#rebalances.inc({ group: this.#groupLabel((message as RebalanceEvent).groupId) });
    });
    this.#on(FSYNC_CHANNEL, (message) => {
      this.#fsync.observe((message as { durationMs: number }).durationMs / 1000);
    });
  }

  /** Requests of the HTTP door itself, per route, and its open connections. */
  instrument(app: FastifyInstance): void {
    app.addHook('onResponse', async (request, reply) => {
      this.#request('http', `${request.method} ${request.routeOptions.url ?? 'unknown'}`, reply.elapsedTime / 1000);
    });
    app.server.on('connection', (socket) => {
      this.#connections.set('http', (this.#connections.get('http') ?? 0) + 1);
      socket.once('close', () => this.#connections.set('http', (this.#connections.get('http') ?? 1) - 1));
    });
  }

  /** WebSocket connections, counted by the gateway. */
  connectionOpened(listener: string, delta: 1 | -1): void {
    this.#connections.set(listener, (this.#connections.get(listener) ?? 0) + delta);
  }

  totals(): Throughput {
    return { ...this.#totals };
  }

  connectionCount(): number {
    let n = 0;
    for (const open of this.#connections.values()) n += open;
    return n;
  }

  close(): void {
    for (const stop of this.#unsubscribe.splice(0)) stop();
  }

  #on(name: string, handler: (message: unknown) => void): void {
    subscribe(name, handler);
    this.#unsubscribe.push(() => unsubscribe(name, handler));
  }

  #request(listener: string, api: string, seconds: number): void {
    let slots = this.#requestSlots.get(listener);
    if (!slots) {
      slots = new Map();
      this.#requestSlots.set(listener, slots);
    }
    let slot = slots.get(api);
    if (!slot) {
      const labels = Object.freeze({ listener, api });
      slot = { labels, latency: this.#latency.series(labels) };
      slots.set(api, slot);
    }
    this.#latency.observe(slot.latency, seconds);
  }

  /** The tally a topic's bytes and records are added to (found once per topic, then one Map lookup). */
  #tally(topic: string): TopicTally {
    const known = this.#topicTallies.get(topic);
    if (known) return known;
    const label = this.#topicLabel(topic);
    let tally = label === OTHER_TOPICS ? this.#tallies.find((t) => t.topic === OTHER_TOPICS) : undefined;
    if (!tally) {
      tally = { topic: label, bytesIn: 0, recordsIn: 0, bytesOut: 0, recordsOut: 0 };
      this.#tallies.push(tally);
    }
    this.#topicTallies.set(topic, tally);
    return tally;
  }

  #topicLabel(topic: string): string {
    if (this.#topics.has(topic)) return topic;
    if (this.#topics.size >= this.#topicLimit) return OTHER_TOPICS;
    this.#topics.add(topic);
    return topic;
  }

  #groupLabel(group: string): string {
    if (this.#groups.has(group)) return group;
    if (this.#groups.size >= this.#groupLimit) return OTHER_GROUPS;
    this.#groups.add(group);
    return group;
  }
}

/** Calls `read` once for gauges collected together: callers while a read is in flight share its result. */
function sharedRead<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= read().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}

/**
 * Share groups and dead-letter topics, read at scrape time: one describe per share group, shared by the
 * gauges of one scrape. Per-partition series follow the per-topic limit: a topic counted under "_other"
 * gets none.
 */
function queueMetrics(
  queues: QueuesCore,
  registers: Registry[],
  topicLabel: (topic: string) => string,
  groupLabel: (group: string) => string,
): void {
  type Partition = Awaited<ReturnType<QueuesCore['shareGroup']>>['partitions'][number];
  const snapshot = sharedRead(async () => {
    const groups: Array<{ group: string; partitions: Partition[] }> = [];
    for (const { groupId } of queues.shareGroups()) {
      if (groupLabel(groupId) !== groupId) continue;
      try {
        groups.push({ group: groupId, partitions: [...(await queues.shareGroup(groupId)).partitions] });
      } catch {
        // Deleted between the list and the describe: no series.
      }
    }
    return groups;
  });
  const perPartition = (name: string, help: string, read: (p: Partition, now: number) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['group', 'topic', 'partition'],
      registers,
      async collect() {
        const groups = await snapshot();
        this.reset();
        const now = Date.now();
        for (const { group, partitions } of groups) {
          for (const p of partitions) {
            const value = read(p, now);
            if (value === null || topicLabel(p.topic) !== p.topic) continue;
            this.set({ group, topic: p.topic, partition: String(p.partition) }, value);
          }
        }
      },
    });
  perPartition(
    'sluice_share_group_available_records',
    'Records a share group can hand out now, per partition (delayed ones and those past the window included)',
    (p) => p.available,
  );
  perPartition(
    'sluice_share_group_in_flight_records',
    'Records acquired by a share-group member and not settled yet, per partition',
    (p) => p.acquired,
  );
  perPartition(
    'sluice_share_group_waiting_retry_records',
    'Records that failed and wait for their retry backoff, per partition',
    (p) => p.waiting,
  );
  perPartition(
    'sluice_share_group_oldest_unsettled_age_seconds',
    'Age of the oldest unsettled record in the window, per partition (absent when none)',
    (p, now) => (p.oldestTimestamp === null ? null : Math.max(0, now - p.oldestTimestamp) / 1000),
  );
  new Gauge({
    name: 'sluice_share_groups',
    help: 'Share groups',
    registers,
    collect() {
      this.set(queues.shareGroups().length);
    },
  });
  type Dlq = Awaited<ReturnType<QueuesCore['deadLetterTopics']>>[number];
  const dlqs = sharedRead(() => queues.deadLetterTopics({ byName: true }));
  const dlqGauge = (name: string, help: string, read: (d: Dlq) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['topic'],
      registers,
      async collect() {
        const found = await dlqs();
        this.reset();
        for (const d of found) this.set({ topic: topicLabel(d.topic) }, read(d));
      },
    });
  dlqGauge(
    'sluice_dlq_records',
    "Records in dead-letter topics (named <topic>.dlq or set as a share group's deadLetterTopic)",
    (d) => d.records,
  );
  dlqGauge('sluice_dlq_not_requeued_records', 'Records of dead-letter topics not requeued yet', (d) => d.notRequeued);
}

/** The WebSocket gateway's fan-out, read at scrape time from its counters. */
function websocketMetrics(tails: PartitionTails, registers: Registry[]): void {
  const stats = tails.stats;
  const counter = (name: string, help: string, read: (s: FanoutStats) => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(read(stats));
      },
    });
  new Gauge({
    name: 'sluice_websocket_tail_readers',
    help: 'Shared tail readers of the WebSocket gateway (topic-partitions with sockets at the tail)',
    registers,
    collect() {
      this.set(tails.size);
    },
  });
  new Counter({
    name: 'sluice_websocket_log_reads_total',
    help: 'Log reads by the WebSocket gateway: shared (one read for every socket at the tail) or own (a socket behind)',
    labelNames: ['reader'],
    registers,
    collect() {
      this.reset();
      this.inc({ reader: 'shared' }, stats.sharedReads);
      this.inc({ reader: 'own' }, stats.ownReads);
    },
  });
  counter('sluice_websocket_records_sent_total', 'Record frames sent to WebSocket clients', (s) => s.recordsSent);
  counter(
    'sluice_websocket_left_behind_total',
    'Times a shared tail stopped feeding a socket over its buffered-bytes limit',
    (s) => s.leftBehind,
  );
  counter(
    'sluice_websocket_closed_stuck_total',
    'WebSocket clients closed (4008) for staying over their buffered-bytes limit',
    (s) => s.closedStuck,
  );
}
