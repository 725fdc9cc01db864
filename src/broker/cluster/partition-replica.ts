// One partition's replication state on this broker (Kafka's Partition + its Replica objects): the role this
// broker plays for it under which leader epoch, and its high watermark.
//
// As leader it keeps, per follower, the log end the follower last reported (its fetch offset) and when the
// follower was last caught up (Kafka's lastCaughtUpTimeMs: the time of the last fetch that reached the
// leader's log end as it was at the follower's fetch before). The high watermark is the lowest log end over
// the ISR (this broker's included); it never moves back while this broker leads. A follower of the ISR that
// has not reported yet holds the high watermark where it is.
//
// As follower it keeps the leader's high watermark, capped at its own log end: the starting point of its
// high watermark if it becomes leader.
//
// Invariant: 0 <= highWatermark <= the local log end (the caller passes it in; it may move back only when a
// follower truncates, which lowers the high watermark with it).

export interface FollowerProgress {
  /** The follower's log end as of its last fetch (-1: it has not fetched under this epoch). */
  logEnd: number;
  /** performance.now() of the last time it was caught up (set to the becoming-leader time at first). */
  lastCaughtUpMs: number;
  /** The leader's log end at the follower's previous fetch, and that fetch's time. */
  previousLeaderEnd: number;
  previousFetchMs: number;
}

export type Role = 'leader' | 'follower' | 'none';

export class PartitionReplica {
  readonly topic: string;
  readonly partition: number;
  #role: Role = 'none';
  #leaderEpoch = -1;
  #leaderId = -1;
  #isr: readonly number[] = [];
  #highWatermark: number;
  readonly #followers = new Map<number, FollowerProgress>();
  readonly #selfId: number;

  constructor(topic: string, partition: number, selfId: number, checkpointedHighWatermark: number) {
    this.topic = topic;
    this.partition = partition;
    this.#selfId = selfId;
    this.#highWatermark = Math.max(0, checkpointedHighWatermark);
  }

  get role(): Role {
    return this.#role;
  }
  get leaderEpoch(): number {
    return this.#leaderEpoch;
  }
  get leaderId(): number {
    return this.#leaderId;
  }
  get isr(): readonly number[] {
    return this.#isr;
  }
  get highWatermark(): number {
    return this.#highWatermark;
  }

  /** Followers as this leader sees them (empty unless leading). */
  followers(): ReadonlyMap<number, FollowerProgress> {
    return this.#followers;
  }

  /** This broker leads from now, under `epoch`. `replicas`: every replica (this broker's followers are the others). */
  becomeLeader(epoch: number, replicas: readonly number[], isr: readonly number[], logEnd: number, now: number): void {
    this.#role = 'leader';
    this.#leaderEpoch = epoch;
    this.#leaderId = this.#selfId;
    this.#isr = [...isr];
    this.#highWatermark = Math.min(this.#highWatermark, logEnd);
    this.#followers.clear();
    for (const id of replicas) {
      if (id === this.#selfId) continue;
      this.#followers.set(id, { logEnd: -1, lastCaughtUpMs: now, previousLeaderEnd: -1, previousFetchMs: now });
    }
    this.advance(logEnd);
  }

  /** This broker follows `leaderId` from now, under `epoch` (-1 leader: the partition is offline). */
  becomeFollower(epoch: number, leaderId: number, isr: readonly number[], logEnd: number): void {
    this.#role = leaderId < 0 ? 'none' : 'follower';
    this.#leaderEpoch = epoch;
    this.#leaderId = leaderId;
    this.#isr = [...isr];
    this.#followers.clear();
    this.#highWatermark = Math.min(this.#highWatermark, logEnd);
  }

  /**
   * Leader: the replica set changed under the same epoch (a reassignment): new followers are tracked from
   * now (not caught up until they fetch), removed ones are forgotten.
   */
  updateReplicas(replicas: readonly number[], now: number): void {
    if (this.#role !== 'leader') return;
    for (const id of [...this.#followers.keys()]) if (!replicas.includes(id)) this.#followers.delete(id);
    for (const id of replicas) {
      if (id === this.#selfId || this.#followers.has(id)) continue;
      this.#followers.set(id, { logEnd: -1, lastCaughtUpMs: now, previousLeaderEnd: -1, previousFetchMs: now });
    }
  }

  /** The cluster's ISR changed (under the same epoch). Returns whether the high watermark moved. */
  updateIsr(isr: readonly number[], logEnd: number): boolean {
    this.#isr = [...isr];
    return this.#role === 'leader' ? this.advance(logEnd) : false;
  }

  /**
   * A follower fetched from `fetchOffset` (its log end), the leader's log being `logEnd`. Returns whether
   * the high watermark moved.
   */
  followerFetched(replicaId: number, fetchOffset: number, logEnd: number, now: number): boolean {
    const progress = this.#followers.get(replicaId);
    if (!progress) return false;
    if (fetchOffset >= logEnd) progress.lastCaughtUpMs = now;
    else if (fetchOffset >= progress.previousLeaderEnd && progress.previousLeaderEnd >= 0)
      progress.lastCaughtUpMs = Math.max(progress.lastCaughtUpMs, progress.previousFetchMs);
    progress.previousLeaderEnd = logEnd;
    progress.previousFetchMs = now;
    progress.logEnd = fetchOffset;
    return this.advance(logEnd);
  }

  /** Followers of the ISR not caught up for longer than `maxLagMs`: the ISR's shrink candidates. */
  laggingFollowers(now: number, maxLagMs: number): number[] {
    const out: number[] = [];
    for (const id of this.#isr) {
      const progress = this.#followers.get(id);
      if (progress && now - progress.lastCaughtUpMs > maxLagMs) out.push(id);
    }
    return out;
  }

  /**
   * A follower outside the ISR that may join it: it reached the high watermark, and the high watermark is
   * in this leader's epoch (at or past `epochStart`, where this leader's first batch went), so it holds
   * every record the ISR holds (Kafka's isFollowerInSync).
   */
  mayJoinIsr(replicaId: number, epochStart: number): boolean {
    if (this.#role !== 'leader' || this.#isr.includes(replicaId)) return false;
    const progress = this.#followers.get(replicaId);
    return progress !== undefined && progress.logEnd >= this.#highWatermark && progress.logEnd >= epochStart;
  }

  /** Follower: the leader said its high watermark is `leaderHighWatermark`. */
  followerHighWatermark(leaderHighWatermark: number, logEnd: number): void {
    if (this.#role === 'follower') this.#highWatermark = Math.max(0, Math.min(leaderHighWatermark, logEnd));
  }

  /** Follower: its log was truncated to `logEnd`. */
  truncated(logEnd: number): void {
    this.#highWatermark = Math.min(this.#highWatermark, logEnd);
  }

  /** Leader: the high watermark as the ISR's lowest log end; moves forward only. Returns whether it moved. */
  advance(logEnd: number): boolean {
    if (this.#role !== 'leader') return false;
    let low = logEnd;
    for (const id of this.#isr) {
      if (id === this.#selfId) continue;
      const progress = this.#followers.get(id);
      // An ISR member this leader has no progress for (not a replica any more) cannot hold anything back.
      if (!progress) continue;
      if (progress.logEnd < 0) return false;
      low = Math.min(low, progress.logEnd);
    }
    if (low <= this.#highWatermark) return false;
    this.#highWatermark = low;
    return true;
  }
}
