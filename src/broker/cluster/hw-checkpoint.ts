// The high watermarks of this broker's replicated partitions on disk (Kafka's replication-offset-checkpoint):
// `<data-dir>/replication-offset-checkpoint.json`, `{ "version": 1, "partitions": { "<topic>/<p>": hw } }`,
// written atomically (temp file, fsync, rename) every `intervalMs` when something moved, and at stop.
//
// Why: after a restart a leader's high watermark starts from here, not from its log end, so records its
// followers never acknowledged are not shown to consumers before the ISR holds them. A checkpoint may be
// behind (a crash between writes): the high watermark then starts lower and the followers' next fetches
// move it up again; it is never ahead of what the ISR held when it was written.
import { join } from 'node:path';
import { readJsonFile, type StorageFs, writeFileAtomic } from '../../../storage/index.js';

export const HW_CHECKPOINT_FILE = 'replication-offset-checkpoint.json';

const entryKey = (topic: string, partition: number) => `${topic}/${partition}`;

export class HighWatermarkCheckpoint {
  readonly #fs: StorageFs;
  readonly #path: string;
  #onDisk = new Map<string, number>();
  /** Entries of replicas that left this broker: dropped from the file at the next write. */
  readonly #forgotten = new Set<string>();

  private constructor(fs: StorageFs, dataDir: string) {
    this.#fs = fs;
    this.#path = join(dataDir, HW_CHECKPOINT_FILE);
  }

  /** Reads the file (none: every high watermark starts at 0). A malformed entry is ignored (starts at 0). */
  static async open(fs: StorageFs, dataDir: string): Promise<HighWatermarkCheckpoint> {
    const checkpoint = new HighWatermarkCheckpoint(fs, dataDir);
    const file = await readJsonFile<{ partitions?: Record<string, unknown> }>(fs, checkpoint.#path).catch(
      () => undefined,
    );
    for (const [key, value] of Object.entries(file?.partitions ?? {}))
      if (Number.isSafeInteger(value) && (value as number) >= 0) checkpoint.#onDisk.set(key, value as number);
    return checkpoint;
  }

  /** The high watermark last written for a partition, 0 when none was. */
  get(topic: string, partition: number): number {
    return this.#onDisk.get(entryKey(topic, partition)) ?? 0;
  }

  /** Whether this broker ever wrote the partition's high watermark (it held a replica of it). */
  has(topic: string, partition: number): boolean {
    const key = entryKey(topic, partition);
    return this.#onDisk.has(key) && !this.#forgotten.has(key);
  }

  /** The partition's replica left this broker: its entry goes at the next write (unless it is back by then). */
  forget(topic: string, partition: number): void {
    this.#forgotten.add(entryKey(topic, partition));
  }

  /**
   * Writes `current` (partitions it does not name keep their entries, forgotten ones excepted) when it
   * changes what the file holds.
   */
  async write(current: Iterable<{ topic: string; partition: number; highWatermark: number }>): Promise<void> {
    const next = new Map(this.#onDisk);
    let changed = false;
    for (const key of this.#forgotten) changed = next.delete(key) || changed;
    for (const { topic, partition, highWatermark } of current) {
      const key = entryKey(topic, partition);
      this.#forgotten.delete(key);
      if (next.get(key) === highWatermark) continue;
      next.set(key, highWatermark);
      changed = true;
    }
    if (!changed) return;
    const text = `${JSON.stringify({ version: 1, partitions: Object.fromEntries(next) })}\n`;
    await writeFileAtomic(this.#fs, this.#path, text);
    this.#onDisk = next;
  }
}
