// (The coordinator and inter-broker auth tests' helper; sluice-cluster.ts is the other tests' one.)
// A cluster of real `sluice serve --cluster` processes on one test etcd (helpers/etcd.ts), for the cluster
// e2e tests: start brokers by id (a restarted id keeps its data directory), SIGKILL them, ask one a request
// on a fresh connection, and read a partition's state straight from etcd (what the controller wrote).
import { type EtcdProcess, startEtcd } from './etcd.js';
import { type SluiceProcess, startSluice } from './sluice-process.js';
import { tempDir } from './temp-dir.js';
import { waitFor } from './wait-for.js';
import { WireClient } from './wire-client.js';

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
}

export class SluiceCluster {
  readonly members = new Map<number, SluiceProcess>();
  readonly dataDirs = new Map<number, string>();

  private constructor(
    readonly etcd: EtcdProcess,
    private readonly options: (id: number) => ClusterMemberOptions,
  ) {}

  /**
   * Starts etcd and brokers `ids` (one after the other), and waits until they all see each other and a
   * controller. `prepare` runs on each broker's new data directory before its first start.
   */
  static async start(
    ids: number[],
    options: (id: number) => ClusterMemberOptions = () => ({}),
    prepare?: (id: number, dataDir: string) => Promise<void> | void,
  ): Promise<SluiceCluster> {
    const cluster = new SluiceCluster(await startEtcd(), options);
    for (const id of ids) {
      if (prepare) {
        const dataDir = await tempDir(`sluice-cluster-${id}-`);
        cluster.dataDirs.set(id, dataDir);
        await prepare(id, dataDir);
      }
      await cluster.serve(id);
    }
    await waitFor(
      async () => {
        const brokers = await cluster.etcdPrefix('/sluice/sluice/brokers/');
        return brokers.length === ids.length && (await cluster.etcdGet('/sluice/sluice/controller')) !== undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, message: `${ids.length} brokers and a controller` },
    );
    return cluster;
  }

  async serve(id: number): Promise<SluiceProcess> {
    const dataDir = this.dataDirs.get(id) ?? (await tempDir(`sluice-cluster-${id}-`));
    this.dataDirs.set(id, dataDir);
    const { args = [], env } = this.options(id);
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
      env ? { env } : {},
    );
    this.members.set(id, process);
    return process;
  }

  async kill(id: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const member = this.members.get(id);
    this.members.delete(id);
    await member?.kill(signal);
  }

  port(id: number): number {
    const member = this.members.get(id);
    if (!member) throw new Error(`broker ${id} is not running`);
    return member.port;
  }

  /** One request on a fresh connection to broker `id`. */
  async ask<T>(id: number, call: (client: WireClient) => Promise<T>): Promise<T> {
    const client = await WireClient.connect(this.port(id));
    try {
      return await call(client);
    } finally {
      client.destroy();
    }
  }

  /** A partition's state as the controller last wrote it in etcd, or undefined before it is placed. */
  async partitionState(topic: string, partition: number): Promise<PartitionStateInEtcd | undefined> {
    const value = await this.etcdGet(`/sluice/sluice/partitions/${topic}/${partition}`);
    return value === undefined ? undefined : (JSON.parse(value) as PartitionStateInEtcd);
  }

  /** Waits until the partition has a live leader and `isr` in-sync replicas; returns its state. */
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
  async stop(): Promise<void> {
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
