// Several `sluice serve --cluster` processes on one real etcd, for the process-level cluster tests: start,
// stop (any signal) and restart brokers on their data directories (each with its own arguments and
// environment), ask one broker on a fresh connection, find a partition's state, leader and ISR as the
// brokers report it or as the controller wrote it in etcd, and an idempotent producer's batches.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MetadataApi, type MetadataResponse } from '../../src/protocol/index.js';
import { type EtcdProcess, startEtcd } from './etcd.js';
import { rawBatch } from './raw-batch.js';
import { type SluiceProcess, startSluice } from './sluice-process.js';
import { tempDir } from './temp-dir.js';
import { waitFor } from './wait-for.js';
import { WireClient } from './wire-client.js';

export type PartitionMetadata = MetadataResponse['topics'][number]['partitions'][number];

/** A partition's state as the controller writes it in etcd. */
export interface PartitionStateInEtcd {
  replicas: number[];
  leader: number;
  leaderEpoch: number;
  isr: number[];
}

export interface ClusterMemberOptions {
  /** More `sluice serve` arguments (after the cluster ones). */
  args?: string[];
  /** More environment variables for the process. */
  env?: Record<string, string>;
  /** Runs the broker inside this network namespace (test/helpers/netns.ts). */
  netns?: string;
  /** The address the test's own clients reach the broker at (default 127.0.0.1). */
  clientHost?: string;
}

export class SluiceCluster {
  readonly members = new Map<number, SluiceProcess>();
  readonly dataDirs = new Map<number, string>();

  private constructor(
    readonly etcd: EtcdProcess,
    private readonly options: (id: number) => ClusterMemberOptions,
  ) {}

  /** `etcdHost`: the local address etcd serves on (default 127.0.0.1). */

  /**
   * Starts etcd and brokers `ids` (one after the other), and waits until they all see each other and a
   * controller. `prepare` runs on each broker's new data directory before its first start (etcd already
   * running at `etcdUrl`).
   */
  static async start(
    ids: readonly number[],
    options: (id: number) => ClusterMemberOptions = () => ({}),
    prepare?: (id: number, dataDir: string, etcdUrl: string) => Promise<void> | void,
    etcdHost?: string,
  ): Promise<SluiceCluster> {
    const cluster = new SluiceCluster(await startEtcd(etcdHost ? { host: etcdHost } : {}), options);
    for (const id of ids) {
      if (prepare) {
        const dataDir = await tempDir(`sluice-cluster-${id}-`);
        cluster.dataDirs.set(id, dataDir);
        await prepare(id, dataDir, cluster.etcd.url);
      }
      await cluster.serve(id);
    }
    // Read in etcd, not asked of a broker: brokers with --auth answer only authenticated clients.
    await waitFor(
      async () => {
        const brokers = await cluster.etcdPrefix('/sluice/sluice/brokers/');
        return brokers.length === ids.length && (await cluster.etcdGet('/sluice/sluice/controller')) !== undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, message: `${ids.length} brokers and a controller` },
    );
    return cluster;
  }

  /** Starts broker `id` (again, on its data directory when it ran before). */
  async serve(id: number): Promise<SluiceProcess> {
    const dataDir = this.dataDirs.get(id) ?? (await tempDir(`sluice-cluster-${id}-`));
    this.dataDirs.set(id, dataDir);
    const { args = [], env, netns } = this.options(id);
    const process = await startSluice(
      [
        '--cluster',
        this.etcd.url,
        '--broker-id',
        String(id),
        '--port',
        '0',
        '--no-http',
        '--data-dir',
        dataDir,
        ...args,
      ],
      60_000,
      { ...(env ? { env } : {}), ...(netns ? { netns } : {}) },
    );
    this.members.set(id, process);
    return process;
  }

  /** Stops broker `id` with `signal` and waits for its exit; returns its log lines. */
  async stop(id: number, signal: NodeJS.Signals): Promise<Array<Record<string, unknown>>> {
    const member = this.members.get(id)!;
    this.members.delete(id);
    await member.kill(signal);
    return member.lines;
  }

  live(id: number): boolean {
    return this.members.has(id);
  }

  port(id: number): number {
    const member = this.members.get(id);
    if (!member) throw new Error(`broker ${id} is not running`);
    return member.port;
  }

  /** The address the test's clients reach broker `id` at. */
  host(id: number): string {
    return this.options(id).clientHost ?? '127.0.0.1';
  }

  /** One request on a fresh connection to broker `id` (connections to stopped brokers must not linger). */
  async ask<T>(id: number, call: (client: WireClient) => Promise<T>): Promise<T> {
    const client = await WireClient.connect(this.port(id), this.host(id));
    try {
      return await call(client);
    } finally {
      client.destroy();
    }
  }

  /** The partition as the first live broker that answers reports it. */
  async partition(topic: string, partition: number): Promise<PartitionMetadata | undefined> {
    for (const id of this.members.keys()) {
      try {
        const m = await this.ask(id, (c) => c.request(MetadataApi, { topics: [topic], allowAutoTopicCreation: false }));
        const p = m.topics[0]?.partitions.find((x) => x.partition === partition);
        if (p) return p;
      } catch {
        // that broker is going away: ask the next
      }
    }
    return undefined;
  }

  async leader(topic: string, partition: number): Promise<number> {
    return waitFor(
      async () => {
        const p = await this.partition(topic, partition);
        return p && p.leader > 0 && this.live(p.leader) ? p.leader : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 50, message: `a live leader of ${topic}-${partition}` },
    );
  }

  /** Waits until the partition's ISR is exactly `isr` (in any order). */
  async isr(topic: string, partition: number, isr: readonly number[]): Promise<void> {
    const wanted = [...isr].sort().join(',');
    await waitFor(async () => [...((await this.partition(topic, partition))?.isr ?? [])].sort().join(',') === wanted, {
      timeoutMs: 90_000,
      intervalMs: 200,
      message: `the ISR of ${topic}-${partition} to be ${wanted}`,
    });
  }

  /** The concatenated .log files of broker `id`'s replica (what "byte for byte" compares). */
  async logBytes(id: number, topic: string, partition: number): Promise<Buffer> {
    const dir = join(this.dataDirs.get(id)!, `${topic}-${partition}`);
    const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.log')).sort();
    return Buffer.concat(await Promise.all(files.map((f) => readFile(join(dir, f)))));
  }

  /** A partition's state as the controller last wrote it in etcd, or undefined before it is placed. */
  async partitionState(topic: string, partition: number): Promise<PartitionStateInEtcd | undefined> {
    const value = await this.etcdGet(`/sluice/sluice/partitions/${topic}/${partition}`);
    return value === undefined ? undefined : (JSON.parse(value) as PartitionStateInEtcd);
  }

  /** Waits until etcd shows the partition led by a live broker with `isr` in-sync replicas; returns its state. */
  async settled(topic: string, partition: number, isr: number): Promise<PartitionStateInEtcd> {
    return waitFor(
      async () => {
        const state = await this.partitionState(topic, partition);
        return state && state.leader > 0 && this.members.has(state.leader) && state.isr.length >= isr
          ? state
          : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 200, message: `${topic}-${partition} led by a live broker with ${isr} in sync` },
    );
  }

  async etcdGet(key: string): Promise<string | undefined> {
    const kvs = await this.#range({ key: b64(key) });
    return kvs[0]?.value;
  }

  async etcdPrefix(prefix: string): Promise<Array<{ key: string; value: string }>> {
    return this.#range({ key: b64(prefix), range_end: b64(prefixEnd(prefix)) });
  }

  async #range(body: Record<string, string>): Promise<Array<{ key: string; value: string }>> {
    const response = await fetch(`${this.etcd.endpoint}/v3/kv/range`, {
      method: 'POST',
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    const json = (await response.json()) as { kvs?: Array<{ key: string; value?: string }> };
    return (json.kvs ?? []).map((kv) => ({ key: unb64(kv.key), value: unb64(kv.value ?? '') }));
  }

  /** SIGKILLs every broker, then etcd. */
  async close(): Promise<void> {
    await Promise.all([...this.members.values()].map((m) => m.kill('SIGKILL')));
    this.members.clear();
    await this.etcd.stop();
  }
}

const b64 = (text: string) => Buffer.from(text).toString('base64');
const unb64 = (text: string) => Buffer.from(text, 'base64').toString();
/** The key after every key starting with `prefix` (etcd's range_end for a prefix). */
const prefixEnd = (prefix: string) =>
  prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);

/** An idempotent producer's one-record batch: a retry of a stored one is deduplicated by the leader. */
export function idempotentBatch(producerId: number, value: string, sequence: number): Buffer {
  const now = Date.now();
  return rawBatch({
    records: [{ value: Buffer.from(value) }],
    producerId,
    producerEpoch: 0,
    baseSequence: sequence,
    baseTimestamp: now,
    maxTimestamp: now,
  });
}

/**
 * acks=-1 load on one partition: one idempotent producer sending one record at a time to whichever broker
 * leads, the same batch again after any failure (deduplicated if it was stored). Keeps every acknowledged
 * value and when and by whom it was acknowledged.
 */
export class AckedLoad {
  readonly acked: string[] = [];
  readonly acks: Array<{ at: number; by: number }> = [];
  /** Produce answers with an error code, in order. */
  readonly refusals: Array<{ at: number; by: number; errorCode: number }> = [];
  #stop = false;
  readonly #done: Promise<void>;

  constructor(
    cluster: SluiceCluster,
    topic: string,
    partition: number,
    options: { producerId: number; produce: (client: WireClient, batch: Buffer) => Promise<{ errorCode: number }> },
  ) {
    this.#done = (async () => {
      for (let sequence = 0; !this.#stop; ) {
        const value = `r${sequence}`;
        try {
          const leader = await cluster.leader(topic, partition);
          const answer = await cluster.ask(leader, (c) =>
            options.produce(c, idempotentBatch(options.producerId, value, sequence)),
          );
          if (answer.errorCode === 0) {
            this.acked.push(value);
            this.acks.push({ at: performance.now(), by: leader });
            sequence++;
            continue;
          }
          this.refusals.push({ at: performance.now(), by: leader, errorCode: answer.errorCode });
        } catch {
          // the leader went away under the request: find the new one and send the same batch again
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stop = true;
    await this.#done;
  }

  /** Waits for `n` more acknowledgements. */
  async more(n: number, timeoutMs = 90_000): Promise<void> {
    const target = this.acked.length + n;
    await waitFor(() => this.acked.length >= target, { timeoutMs, message: `${n} more acknowledged records` });
  }
}
