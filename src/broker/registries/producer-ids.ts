// Producer ids for idempotent producers (InitProducerId). Ids must never repeat, across restarts and
// SIGKILL included: a reused id would let a new producer's batches be taken for an old producer's
// duplicates. The allocator reserves blocks of ids by persisting a high-water mark
// (`<dataDir>/__internal/producer-ids.json`, written atomically: temp, fsync, rename) before handing
// out any id of the block, so one fsync covers PRODUCER_ID_BLOCK ids. After a restart the next block
// starts at the stored mark; ids of a block that was not used up are skipped, never reissued.
//
// Cluster mode: every broker hands out ids (idempotent producers ask any broker, transactional ones their
// coordinator, which moves), so a block must be unique cluster-wide: a ProducerIdBlockSource (etcd, Kafka's
// producer id blocks in ZooKeeper) reserves it, at or above this directory's own mark.
import { dirname, join } from 'node:path';
import { mkdirDurable, nodeFs, readJsonFile, type StorageFs, writeFileAtomic } from '../../../storage/index.js';
import { ProducerIdError } from './errors.js';

export const PRODUCER_ID_BLOCK = 1000;
export const PRODUCER_IDS_FILE = join('__internal', 'producer-ids.json');

/** Cluster mode: reserves blocks of ids no other broker of the cluster hands out. */
export interface ProducerIdBlockSource {
  /** Reserves `size` ids starting at or above `floor`; resolves with the block's first id. */
  reserve(floor: number, size: number): Promise<number>;
  /** Every id below this is known to have been handed out somewhere in the cluster. */
  readonly issuedBelow: number;
}

interface StoredMark {
  version: 1;
  /** Every id below this may have been handed out. */
  nextBlockStart: number;
}

export class ProducerIdAllocator {
  private next = 0;
  private limit = 0;
  private reserving: Promise<void> | null = null;
  private readonly path: string;

  constructor(
    dataDir: string,
    private readonly fs: StorageFs = nodeFs,
    private readonly blockSize = PRODUCER_ID_BLOCK,
    private readonly blocks?: ProducerIdBlockSource,
  ) {
    this.path = join(dataDir, PRODUCER_IDS_FILE);
  }

  /** A producer id never handed out before by this data directory. */
  async allocate(): Promise<number> {
    while (this.next >= this.limit) {
      this.reserving ??= this.reserve().finally(() => (this.reserving = null));
      await this.reserving;
    }
    return this.next++;
  }

  /**
   * True when `id` was handed out by this broker run or an earlier one (it is below the reserved mark); in
   * cluster mode, by any broker as far as this one knows.
   */
  wasIssued(id: number): boolean {
    return id >= 0 && id < Math.max(this.limit, this.blocks?.issuedBelow ?? 0);
  }

  private async reserve(): Promise<void> {
    const floor = Math.max(await this.storedMark(), this.limit);
    const start = this.blocks ? await this.reserveInCluster(floor) : floor;
    try {
      await mkdirDurable(this.fs, dirname(this.path));
      const mark: StoredMark = { version: 1, nextBlockStart: start + this.blockSize };
      await writeFileAtomic(this.fs, this.path, `${JSON.stringify(mark)}\n`);
    } catch (err) {
      throw new ProducerIdError('storage-failed', `cannot store the producer id mark: ${(err as Error).message}`, {
        cause: err,
      });
    }
    this.next = start;
    this.limit = start + this.blockSize;
  }

  private async storedMark(): Promise<number> {
    let stored: StoredMark | undefined;
    try {
      stored = await readJsonFile<StoredMark>(this.fs, this.path);
    } catch (err) {
      throw new ProducerIdError('storage-failed', `cannot read the producer id mark: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return Number.isSafeInteger(stored?.nextBlockStart) && stored!.nextBlockStart >= 0 ? stored!.nextBlockStart : 0;
  }

  private async reserveInCluster(floor: number): Promise<number> {
    try {
      return await this.blocks!.reserve(floor, this.blockSize);
    } catch (err) {
      throw new ProducerIdError(
        'blocks-unavailable',
        `cannot reserve a block of producer ids in the cluster: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
}
