// What the application paused: whole topics (including partitions assigned later) and single
// partitions. A partition is paused while its topic or the partition itself is.

export class PauseRegistry {
  private readonly topics = new Set<string>();
  /** Single paused partitions, by topic. */
  private readonly partitions = new Map<string, Set<number>>();

  /** No `partitions` = the whole topic. */
  pause(topic: string, partitions?: readonly number[]): void {
    if (!partitions) {
      this.topics.add(topic);
      return;
    }
    let paused = this.partitions.get(topic);
    if (!paused) this.partitions.set(topic, (paused = new Set()));
    for (const p of partitions) paused.add(p);
  }

  /** Resuming a whole topic also clears its single-partition pauses. */
  resume(topic: string, partitions?: readonly number[]): void {
    if (!partitions) {
      this.topics.delete(topic);
      this.partitions.delete(topic);
      return;
    }
    const paused = this.partitions.get(topic);
    for (const p of partitions) paused?.delete(p);
    if (paused?.size === 0) this.partitions.delete(topic);
  }

  isPaused(topic: string, partition: number): boolean {
    return this.topics.has(topic) || this.partitions.get(topic)?.has(partition) === true;
  }

  pausedTopics(): Iterable<string> {
    return this.topics;
  }
}
