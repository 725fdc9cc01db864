// What the application paused: whole topics (including partitions assigned later) and single
// partitions. A partition is paused while its topic or the partition itself is.
import { offsetKey } from '../list-offsets.js';

export class PauseRegistry {
  private readonly topics = new Set<string>();
  private readonly partitions = new Set<string>();

  /** No `partitions` = the whole topic. */
  pause(topic: string, partitions?: readonly number[]): void {
    if (!partitions) this.topics.add(topic);
    else for (const p of partitions) this.partitions.add(offsetKey(topic, p));
  }

  /** Resuming a whole topic also clears its single-partition pauses. */
  resume(topic: string, partitions?: readonly number[]): void {
    if (partitions) {
      for (const p of partitions) this.partitions.delete(offsetKey(topic, p));
      return;
    }
    this.topics.delete(topic);
    for (const key of [...this.partitions]) if (key.startsWith(`${topic}\u0000`)) this.partitions.delete(key);
  }

  isPaused(topic: string, partition: number): boolean {
    return this.topics.has(topic) || this.partitions.has(offsetKey(topic, partition));
  }

  pausedTopics(): Iterable<string> {
    return this.topics;
  }
}
