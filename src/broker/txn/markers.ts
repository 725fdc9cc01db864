// Writing a transaction's markers into its partitions. On a single node the coordinator writes them
// straight into the local partition logs (LocalMarkerWriter); in a cluster this is where the coordinator
// sends WriteTxnMarkers (API 27) to each partition's leader instead — the coordinator only sees MarkerWriter.
import type { PartitionLog } from '../../../storage/index.js';
import type { TxnPartition } from './transaction.js';

export interface Marker {
  producerId: number;
  producerEpoch: number;
  commit: boolean;
  coordinatorEpoch: number;
}

export interface MarkerWriter {
  /** Resolves once the marker is in every partition (a partition that no longer exists is skipped). */
  write(partitions: readonly TxnPartition[], marker: Marker): Promise<void>;
}

export interface LocalMarkerWriterOptions {
  log(topic: string, partition: number): PartitionLog | undefined;
  /** A marker moved a partition's end (and maybe its last stable offset): wake its fetchers. */
  appended(topic: string, partition: number): void;
}

export class LocalMarkerWriter implements MarkerWriter {
  readonly #options: LocalMarkerWriterOptions;

  constructor(options: LocalMarkerWriterOptions) {
    this.#options = options;
  }

  async write(partitions: readonly TxnPartition[], marker: Marker): Promise<void> {
    await Promise.all(
      partitions.map(async ({ topic, partition }) => {
        const log = this.#options.log(topic, partition);
        if (!log) return; // deleted since: nothing to mark
        await log.appendMarker(marker);
        this.#options.appended(topic, partition);
      }),
    );
  }
}
