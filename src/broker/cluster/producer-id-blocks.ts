// Producer id blocks unique across the cluster (Kafka keeps them in ZooKeeper's /latest_producer_id_block):
// `/sluice/<cluster>/producer-id-block` holds the first id no broker has reserved yet, moved forward by
// compare-and-swap, so two brokers reserving at once never get the same block (the loser reads again).
import type { ProducerIdBlockSource } from '../registries/producer-ids.js';
import type { ClusterConfig } from './config.js';
import { EtcdClient, EtcdError } from './etcd-client.js';
import { ClusterKeys } from './keys.js';

interface StoredBlock {
  nextBlockStart: number;
}

const MAX_ATTEMPTS = 20;

export class EtcdProducerIdBlocks implements ProducerIdBlockSource {
  readonly #etcd: EtcdClient;
  readonly #key: string;
  #issuedBelow = 0;

  constructor(etcd: EtcdClient, key: string) {
    this.#etcd = etcd;
    this.#key = key;
  }

  get issuedBelow(): number {
    return this.#issuedBelow;
  }

  async reserve(floor: number, size: number): Promise<number> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const kv = await this.#etcd.get(this.#key);
      const stored = kv ? parseStoredBlock(kv.value) : 0;
      const start = Math.max(stored, floor);
      const next: StoredBlock = { nextBlockStart: start + size };
      const written = await this.#etcd.compareAndSwap(
        [{ key: this.#key, modRevision: kv?.modRevision ?? 0 }],
        [{ key: this.#key, value: JSON.stringify(next) }],
      );
      if (written.succeeded) {
        this.#issuedBelow = Math.max(this.#issuedBelow, next.nextBlockStart);
        return start;
      }
    }
    throw new EtcdError(
      'the producer id block kept changing under this broker (too many brokers reserving at once?)',
      true,
    );
  }
}

/** The cluster's producer id blocks, through an etcd client of their own (no connection is held between calls). */
export function clusterProducerIdBlocks(config: ClusterConfig): EtcdProducerIdBlocks {
  const etcd = new EtcdClient({ endpoints: config.endpoints, requestTimeoutMs: config.etcdRequestTimeoutMs });
  return new EtcdProducerIdBlocks(etcd, new ClusterKeys(config.name).producerIdBlock);
}

/** The stored mark; a value this broker cannot read is refused (guessing could hand out an id twice). */
function parseStoredBlock(text: string): number {
  let value: unknown;
  try {
    value = (JSON.parse(text) as Partial<StoredBlock>).nextBlockStart;
  } catch {
    value = undefined;
  }
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  throw new EtcdError(`the cluster's producer id block in etcd is not readable: ${text.slice(0, 100)}`, false);
}
