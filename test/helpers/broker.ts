// In-process brokers for tests: port 0, a temp data dir, a silent (or capturing) pino logger, and
// small typed helpers over the wire client for the common produce/fetch/admin calls.
import pino from 'pino';
import { Writable } from 'node:stream';
import { Broker, type BrokerOptions } from '../../src/broker/index.js';
import {
  CreateTopicsApi,
  FetchApi,
  ProduceApi,
  type FetchPartitionResult,
  type ProducePartitionResult,
} from '../../src/protocol/index.js';
import { buildRecordBatchSync, decodeRecordBatches, type DecodedRecord } from '../../src/records/index.js';
import { tempDir } from './temp-dir.js';
import { WireClient } from './wire-client.js';

/** Log lines a broker wrote, parsed (for asserting that something was logged). */
export class LogCapture {
  readonly lines: Array<Record<string, unknown>> = [];
  readonly logger = pino(
    { level: 'debug' },
    new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        for (const line of chunk.toString('utf8').split('\n'))
          if (line) this.lines.push(JSON.parse(line) as Record<string, unknown>);
        callback();
      },
    }),
  );

  find(msg: string | RegExp): Record<string, unknown> | undefined {
    return this.lines.find((l) => (typeof msg === 'string' ? l.msg === msg : msg.test(String(l.msg))));
  }
}

export interface TestBroker {
  broker: Broker;
  dataDir: string;
  port: number;
  /** A new connected wire client, closed by stop(). */
  client(): Promise<WireClient>;
  stop(): Promise<void>;
}

export async function startBroker(options: Partial<BrokerOptions> = {}): Promise<TestBroker> {
  const dataDir = options.dataDir ?? (await tempDir());
  const broker = new Broker({ port: 0, stallTimeoutMs: 2000, shutdownTimeoutMs: 2000, ...options, dataDir });
  const port = await broker.start();
  const clients: WireClient[] = [];
  return {
    broker,
    dataDir,
    port,
    async client() {
      const c = await WireClient.connect(port);
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.destroy();
      await broker.stop();
    },
  };
}

/**
 * Long-poll waits parked on this broker, one per partition a waiting fetch watches: what a test awaits
 * before the append that should wake them. A look at the broker's internals (there is no public gauge).
 */
export function parkedFetchWaits(broker: Broker): number {
  return (broker as unknown as { waiters: { size: number } }).waiters.size;
}

/** One uncompressed batch of string values (keys null unless given). */
export function batchOf(values: string[], options: { timestamp?: number; keys?: Array<string | null> } = {}): Buffer {
  const ts = options.timestamp ?? Date.now();
  return buildRecordBatchSync(
    values.map((v, i) => ({
      key: options.keys?.[i] != null ? Buffer.from(options.keys[i]!) : null,
      value: Buffer.from(v),
      timestamp: ts,
    })),
  );
}

export async function createTopic(
  client: WireClient,
  name: string,
  numPartitions = 1,
  configs: Record<string, string> = {},
) {
  const res = await client.request(CreateTopicsApi, {
    topics: [{ name, numPartitions, replicationFactor: 1, configs }],
    timeoutMs: 5000,
    validateOnly: false,
  });
  return res.topics[0]!;
}

export async function produce(
  client: WireClient,
  topic: string,
  partition: number,
  records: Buffer,
  acks: -1 | 1 = -1,
): Promise<ProducePartitionResult> {
  const res = await client.request(ProduceApi, {
    acks,
    timeoutMs: 5000,
    topics: [{ name: topic, partitions: [{ partition, records }] }],
  });
  return res.topics[0]!.partitions[0]!;
}

export async function fetchPartition(
  client: WireClient,
  topic: string,
  partition: number,
  fetchOffset: number,
  options: { maxWaitMs?: number; minBytes?: number; maxBytes?: number; partitionMaxBytes?: number } = {},
): Promise<FetchPartitionResult> {
  const res = await client.request(FetchApi, {
    maxWaitMs: options.maxWaitMs ?? 0,
    minBytes: options.minBytes ?? 1,
    maxBytes: options.maxBytes ?? 50 * 1024 * 1024,
    isolationLevel: 0,
    topics: [
      {
        name: topic,
        partitions: [{ partition, fetchOffset, partitionMaxBytes: options.partitionMaxBytes ?? 10 * 1024 * 1024 }],
      },
    ],
  });
  return res.topics[0]!.partitions[0]!;
}

export async function recordsOf(result: FetchPartitionResult): Promise<DecodedRecord[]> {
  const batches = await decodeRecordBatches(Buffer.concat(result.records));
  return batches.flatMap((b) => b.records);
}

/** Every record from `from` to the log end, following fetches. */
export async function readAll(
  client: WireClient,
  topic: string,
  partition: number,
  from = 0,
): Promise<DecodedRecord[]> {
  const out: DecodedRecord[] = [];
  let offset = from;
  for (;;) {
    const res = await fetchPartition(client, topic, partition, offset);
    if (res.errorCode !== 0)
      throw new Error(`fetch ${topic}-${partition}@${offset}: ${res.errorCode} ${res.errorMessage}`);
    const batches = await decodeRecordBatches(Buffer.concat(res.records));
    const records = batches.flatMap((b) => b.records).filter((r) => r.offset >= offset);
    if (batches.length === 0) return out;
    out.push(...records);
    // A cleaned batch keeps its lastOffsetDelta when the cleaner removed its last records, so a fetch may
    // answer with a batch holding nothing at or after `offset`: go on after the batch, as Kafka's consumers do.
    const last = batches[batches.length - 1]!.header;
    offset = Math.max(offset, last.baseOffset + last.lastOffsetDelta + 1);
  }
}

export const values = (records: DecodedRecord[]) => records.map((r) => r.value?.toString('utf8') ?? null);
