// The kafkajs-shaped consumer. Partitions and committed offsets come through the PartitionAssignmentSource /
// OffsetCommitter seam (assignment.ts): group membership (group/) with a groupId, else every partition of
// the subscribed topics, or exactly the partitions given to assign().
import { assertValidTopicName, Cluster, type ClusterOptions } from '../cluster.js';
import { SluiceNonRetriableError, SluiceNotImplemented, SluiceNumberOfRetriesExceeded } from '../errors.js';
import { assertGroupId } from '../group-id.js';
import { InstrumentationEmitter, type InstrumentationEvent } from '../instrumentation.js';
import { PauseRegistry } from './pause-registry.js';
import type { Logger } from '../logger.js';
import type { GroupDescription } from '../kafkajs-types.js';
import { createRetry, resolveRetryOptions, restartsAfterCrash, type Retrier, type RetryOptions } from '../retry.js';
import { NoOffsetCommitter, RejoinAsked, StaticAssignmentSource } from './assignment.js';
import { ConsumerEvents, type ConsumerEventName } from './events.js';
import { Fetcher } from './fetcher.js';
import { CommitTracker, createGroupMembership, waitIdle, type GroupMembership } from './group/index.js';
import { PartitionState } from './partition-state.js';
import { parseSeekOffset, resolvePositions, type PositionRequest } from './positions.js';
import { Runner } from './runner.js';
import type {
  ConsumerAssignment,
  ConsumerConfig,
  ConsumerRunConfig,
  ConsumerSubscribeTopic,
  ConsumerSubscribeTopics,
  OffsetCommitter,
  OffsetsByTopicPartition,
  PartitionAssignmentSource,
  TopicPartitionOffset,
  TopicPartitionOffsetAndMetadata,
  TopicPartitions,
} from './types.js';
import { topicPartitionKey } from '../topic-partition.js';

export { ConsumerEvents };

const DEFAULTS = {
  maxBytesPerPartition: 1024 * 1024,
  minBytes: 1,
  maxBytes: 10 * 1024 * 1024,
  maxWaitTimeInMs: 5000,
  checkCrcs: false,
};

export class Consumer {
  readonly events = ConsumerEvents;
  private readonly cluster: Cluster;
  private readonly retrier: Retrier;
  private readonly retryOptions: RetryOptions;
  private readonly emitter: InstrumentationEmitter<ConsumerEventName>;
  private readonly subscriptions = new Map<string | RegExp, boolean>();
  private explicit: ConsumerAssignment[] | null = null;
  private readonly pendingSeeks = new Map<string, PositionRequest>();
  private readonly pauses = new PauseRegistry();
  private states = new Map<string, PartitionState>();
  private fetcher: Fetcher | null = null;
  private runner: Runner | null = null;
  private source: PartitionAssignmentSource | null = null;
  private readonly committer: OffsetCommitter;
  /** Group membership when `groupId` is set (and no custom assignment source is given). */
  private readonly group: GroupMembership | null;
  private commits = new CommitTracker();
  /** autoCommitInterval: the next look for uncommitted positions (while running). */
  private autoCommitTimer: NodeJS.Timeout | null = null;
  /** Commits run one at a time, in order, each with the positions of its turn: offsets never go backwards. */
  private commitQueue: Promise<unknown> = Promise.resolve();
  /** The automatic commit after a fetch is running (commitAfterFetch). */
  private commitAfterFetchRunning = false;
  /** Another fetch's records were delivered while that commit ran: one more commit once it ends. */
  private commitAfterFetchAgain = false;
  /** run()'s autoCommit: false = offsets are committed only by commitOffsets() (and eachBatch's commitOffsetsIfNecessary). */
  private autoCommit = true;
  /** Assignment changes apply one at a time, in order. */
  private assignmentChain: Promise<void> = Promise.resolve();
  /** After a crash with restart: the start that follows the last wait. */
  private restartTimer: NodeJS.Timeout | null = null;
  private recovering = false;

  constructor(
    private readonly clusterOptions: ClusterOptions,
    private readonly config: ConsumerConfig,
    retry: RetryOptions | undefined,
    private readonly log: Logger,
  ) {
    // Without a groupId (absent or undefined) the consumer reads every partition and commits nothing; any
    // other value must be one the broker takes.
    if (config.groupId !== undefined) assertGroupId(config.groupId, 'consumer groupId');
    if (config.groupInstanceId != null) assertGroupId(config.groupInstanceId, 'consumer groupInstanceId');
    this.cluster = new Cluster({
      ...clusterOptions,
      allowAutoTopicCreation: config.allowAutoTopicCreation ?? false,
      metadataMaxAge: config.metadataMaxAge,
    });
    this.retryOptions = { ...retry, ...config.retry };
    this.retrier = createRetry(this.retryOptions);
    this.emitter = new InstrumentationEmitter(Object.values(ConsumerEvents), log, clusterOptions.network);
    this.group =
      config.groupId && !config.partitionAssignmentSource
        ? createGroupMembership({
            clusterOptions,
            config: { ...config, groupId: config.groupId },
            cluster: this.cluster,
            retrier: this.retrier,
            logger: log,
            emit: (e, p) => this.emitter.emit(e, p),
          })
        : null;
    if (this.group) this.group.onFatal = (error) => this.crash(error);
    this.committer = config.offsetCommitter ?? this.group ?? new NoOffsetCommitter();
  }

  logger(): Logger {
    return this.log;
  }

  on(eventName: ConsumerEventName, listener: (event: InstrumentationEvent<any>) => void): () => void {
    return this.emitter.on(eventName, listener);
  }

  async connect(): Promise<void> {
    await this.retrier(() => this.cluster.connect());
    this.emitter.emit(ConsumerEvents.CONNECT, null);
  }

  async disconnect(): Promise<void> {
    await this.stop();
    await this.cluster.disconnect();
    this.emitter.emit(ConsumerEvents.DISCONNECT, null);
  }

  async subscribe(subscription: ConsumerSubscribeTopics | ConsumerSubscribeTopic): Promise<void> {
    if (this.runner) throw new SluiceNonRetriableError('Cannot subscribe to topic while consumer is running');
    const topics = 'topics' in subscription ? subscription.topics : [subscription.topic];
    if (
      !Array.isArray(topics) ||
      topics.length === 0 ||
      topics.some((t) => typeof t !== 'string' && !(t instanceof RegExp))
    ) {
      throw new SluiceNonRetriableError('subscribe() needs topics: a non-empty array of strings or RegExps');
    }
    for (const topic of topics) if (typeof topic === 'string') assertValidTopicName(topic);
    for (const topic of topics) this.subscriptions.set(topic, subscription.fromBeginning ?? false);
  }

  /** Sluice addition: consume exactly these partitions (no group, no subscription needed). */
  assign(assignments: ConsumerAssignment[]): void {
    if (this.runner) throw new SluiceNonRetriableError('Cannot assign partitions while consumer is running');
    for (const a of assignments) assertValidTopicName(a.topic);
    this.explicit = assignments.map((a) => ({
      topic: a.topic,
      partitions: [...a.partitions],
      fromBeginning: a.fromBeginning ?? false,
    }));
  }

  async run(config: ConsumerRunConfig = {}): Promise<void> {
    if (this.runner) throw new SluiceNonRetriableError('Consumer is already running');
    if (!config.eachMessage && !config.eachBatch)
      throw new SluiceNonRetriableError('run() needs eachMessage or eachBatch');
    const retry = { ...resolveRetryOptions(this.retryOptions), restartOnFailure: this.retryOptions.restartOnFailure };
    this.commits = new CommitTracker(
      config.autoCommitInterval ?? null,
      config.autoCommitThreshold ?? null,
      this.config.maxWaitTimeInMs ?? DEFAULTS.maxWaitTimeInMs,
    );
    this.autoCommit = config.autoCommit !== false;
    this.runner = new Runner(config, {
      logger: this.log,
      retry,
      source: this.resolveSource(),
      wakeFetcher: () => this.fetcher?.wake(),
      pausePartition: (state) => {
        this.pause([{ topic: state.topic, partitions: [state.partition] }]);
        return () => this.resume([{ topic: state.topic, partitions: [state.partition] }]);
      },
      commitIfNecessary: () => this.commitConsumed(false),
      commitAfterFetch: () => this.commitAfterFetch(),
      uncommittedOffsets: () => this.uncommittedOffsets(),
      onCrash: (error, restart) => this.crash(error, restart),
      events: this.emitter,
      checkCrcs: this.config.checkCrcs ?? DEFAULTS.checkCrcs,
      reuseFetchBuffers: this.config.reuseFetchBuffers === true,
    });
    try {
      await this.retrier(() => this.startAssignment());
    } catch (err) {
      if (await restartsAfterCrash(err as Error, this.retryOptions.restartOnFailure))
        return this.recover(err as Error, true);
      await this.halt();
      this.runner = null;
      throw err;
    }
  }

  /**
   * autoCommitInterval: commits on a timer whatever is uncommitted, so the tail of a partition that got no
   * more records is committed too (the check after each batch alone would wait for a next batch).
   */
  private armAutoCommit(): void {
    const wait = this.commits.nextCheckInMs();
    if (wait === null || this.autoCommitTimer || !this.runner?.isRunning || this.committer instanceof NoOffsetCommitter)
      return;
    this.autoCommitTimer = setTimeout(() => {
      this.autoCommitTimer = null;
      void this.commitConsumed(false).finally(() => this.armAutoCommit());
    }, wait);
  }

  private resolveSource(): PartitionAssignmentSource {
    this.source = this.config.partitionAssignmentSource ?? this.group ?? new StaticAssignmentSource(this.explicit);
    return this.source;
  }

  private async subscribedTopics(): Promise<string[]> {
    const names = [...this.subscriptions.keys()];
    if (!names.some((t) => t instanceof RegExp)) return names as string[];
    const all = (await this.cluster.fetchMetadata(null)).topics.map((t) => t.name);
    const out = new Set<string>();
    for (const t of names) {
      if (typeof t === 'string') out.add(t);
      else for (const name of all) if (t.test(name)) out.add(name);
    }
    return [...out];
  }

  private fromBeginningOf(topic: string): boolean {
    const explicit = this.explicit?.find((a) => a.topic === topic);
    if (explicit) return explicit.fromBeginning ?? false;
    if (this.subscriptions.has(topic)) return this.subscriptions.get(topic)!;
    for (const [t, fb] of this.subscriptions) if (t instanceof RegExp && t.test(topic)) return fb;
    return false;
  }

  /** Asks the source for partitions, positions each one, and starts fetching and delivering. */
  private async startAssignment(): Promise<void> {
    const source = this.source!;
    if (!this.explicit && this.subscriptions.size === 0 && !this.config.partitionAssignmentSource) {
      throw new SluiceNonRetriableError('subscribe() or assign() before run()');
    }
    const assignment = await source.start({
      cluster: this.cluster,
      logger: this.log,
      subscribedTopics: await this.subscribedTopics(),
    });
    const applied = this.applyAssignment(assignment);
    this.assignmentChain = applied.catch(() => undefined);
    source.onChange((next) => {
      const change = this.assignmentChain.then(() => this.reassign(next));
      const settled = change.then(
        () => null,
        (err: Error) => {
          // The source rebalances again (assignment.ts): it joins again, no crash.
          if (err instanceof RejoinAsked) return err;
          // Not awaited: the group awaits this listener inside its rebalance, and recovery leaves the group.
          void this.recover(err);
          return null;
        },
      );
      this.assignmentChain = settled.then(() => undefined);
      return settled.then((rejoin) => {
        if (rejoin) throw rejoin;
      });
    });
    await applied;
  }

  private async applyAssignment(assignment: TopicPartitions[]): Promise<void> {
    try {
      this.states = await this.positionedStates(assignment);
    } catch (err) {
      // The group rebalances before this assignment was positioned (assignment.ts): start with nothing, and
      // the rebalance's listener (reassign) applies what the next join gives.
      if (!(err instanceof RejoinAsked)) throw err;
      this.states = new Map();
    }
    const list = [...this.states.values()];
    this.fetcher = this.createFetcher();
    this.runner!.start(list);
    this.fetcher.start(list);
    if (this.autoCommit) this.armAutoCommit();
  }

  /** New partition states, each at its seek, committed offset, or reset position. */
  private async positionedStates(assignment: TopicPartitions[]): Promise<Map<string, PartitionState>> {
    this.openFetchConnections(assignment);
    const states = new Map<string, PartitionState>();
    for (const { topic, partitions } of assignment) {
      for (const partition of partitions) {
        const state = new PartitionState(topic, partition);
        state.fromBeginning = this.fromBeginningOf(topic);
        state.paused = this.pauses.isPaused(topic, partition);
        states.set(topicPartitionKey(topic, partition), state);
      }
    }
    const committed = await this.committer.committed(assignment);
    const requests = [...states.values()].map((s) => {
      const key = topicPartitionKey(s.topic, s.partition);
      const seek = this.pendingSeeks.get(key);
      const stored = committed.get(key);
      const request: PositionRequest =
        seek ??
        (stored !== null && stored !== undefined
          ? { kind: 'offset', offset: stored }
          : { kind: s.fromBeginning ? 'earliest' : 'latest' });
      return { topic: s.topic, partition: s.partition, request };
    });
    const positions = await resolvePositions(this.cluster, requests);
    for (const [key, state] of states) {
      state.seek(positions.get(key)!);
      this.pendingSeeks.delete(key);
      const stored = committed.get(key);
      if (stored !== null && stored !== undefined && stored === state.nextOffset)
        this.commits.done([{ topic: state.topic, partition: state.partition, offset: stored }]);
    }
    return states;
  }

  /**
   * Opens the fetch connections to the leaders of `assignment` while its positions are looked up, so that
   * the first fetch does not wait for a connection's set-up round trips. A failure here is met again, and
   * handled, by the fetch.
   */
  private openFetchConnections(assignment: TopicPartitions[]): void {
    const leaders = new Set<number>();
    for (const { topic, partitions } of assignment) {
      for (const partition of partitions) {
        try {
          leaders.add(this.cluster.leaderOf(topic, partition));
        } catch {
          // no leader known yet: the fetcher refreshes the metadata and connects then
        }
      }
    }
    for (const node of leaders) this.cluster.fetchConnection(node).catch(() => {});
  }

  /**
   * A new assignment from the source (group rebalance), applied incrementally: partitions kept go on
   * fetching and delivering untouched; revoked ones stop, finish the batch in hand, and are committed;
   * new ones start at their committed offsets.
   */
  private async reassign(assignment: TopicPartitions[]): Promise<void> {
    if (!this.runner?.isRunning) return;
    const wanted = new Set(assignment.flatMap((a) => a.partitions.map((p) => topicPartitionKey(a.topic, p))));
    const kept = [...this.states.values()].filter((s) => wanted.has(topicPartitionKey(s.topic, s.partition)));
    const revoked = [...this.states.values()].filter((s) => !wanted.has(topicPartitionKey(s.topic, s.partition)));
    if (revoked.length > 0) {
      this.states = new Map(kept.map((s) => [topicPartitionKey(s.topic, s.partition), s]));
      this.runner.start(kept);
      this.fetcher?.start(kept);
      await waitIdle(revoked);
      if (this.autoCommit)
        await this.commitStates(() => revoked).catch((err: Error) =>
          this.log.warn('commit of revoked partitions failed; they will be redelivered', { error: err.message }),
        );
      for (const s of revoked) this.commits.forget(s.topic, s.partition);
    }
    const added = assignment
      .map((a) => ({
        topic: a.topic,
        partitions: a.partitions.filter((p) => !this.states.has(topicPartitionKey(a.topic, p))),
      }))
      .filter((a) => a.partitions.length > 0);
    const fresh =
      added.length > 0 ? await this.retrier(() => this.positionedStates(added)) : new Map<string, PartitionState>();
    if (!this.runner?.isRunning) return;
    this.states = new Map([...this.states, ...fresh]);
    const list = [...this.states.values()];
    this.fetcher ??= this.createFetcher();
    this.runner.start(list);
    this.fetcher.start(list);
    this.fetcher.wake();
  }

  /**
   * A start or a new assignment failed past the retries. As a crashed kafkajs consumer does: stop delivering,
   * commit what was processed, leave the group (the coordinator hands the partitions to the other members
   * at once instead of after the session timeout), report CRASH, and either stop or start over (join,
   * position, deliver) after the last wait.
   */
  private async recover(error: Error, restart?: boolean): Promise<void> {
    if (!this.runner || this.restartTimer || this.recovering) return;
    this.recovering = true;
    try {
      restart ??= await restartsAfterCrash(error, this.retryOptions.restartOnFailure);
      await this.halt();
    } finally {
      this.recovering = false;
    }
    this.crash(error, restart);
    if (!restart || !this.runner) return;
    const wait = error instanceof SluiceNumberOfRetriesExceeded ? error.retryTime : 0;
    this.log.error(`Restarting the consumer in ${wait}ms`, { groupId: this.config.groupId });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.runner) return;
      this.retrier(() => this.startAssignment()).catch((err: Error) => this.recover(err));
    }, wait);
  }

  /** Reports a crash (CRASH event); without `restart` the consumer stops, as a crashed kafkajs consumer does. */
  private crash(error: Error, restart = false): void {
    this.log.error(`Crash: ${error.name}: ${error.message}`, { groupId: this.config.groupId, restart });
    this.emitter.emit(ConsumerEvents.CRASH, { error, groupId: this.config.groupId, restart });
    if (!restart) void this.stop().catch(() => undefined);
  }

  private createFetcher(): Fetcher {
    const c = this.config;
    const maxBytesPerPartition = c.maxBytesPerPartition ?? DEFAULTS.maxBytesPerPartition;
    return new Fetcher({
      cluster: this.cluster,
      logger: this.log,
      maxWaitTimeInMs: c.maxWaitTimeInMs ?? DEFAULTS.maxWaitTimeInMs,
      minBytes: c.minBytes ?? DEFAULTS.minBytes,
      maxBytes: c.maxBytes ?? DEFAULTS.maxBytes,
      maxBytesPerPartition,
      shareMaxBytes: c.maxBytesPerPartition === undefined,
      maxPrefetchBytes: c.maxPrefetchBytesPerPartition,
      reuseFetchBuffers: c.reuseFetchBuffers === true,
      push: c.pushWhenCaughtUp !== false,
      isolationLevel: c.readUncommitted === true ? 0 : 1,
      requestTimeout: this.clusterOptions.requestTimeout,
      retry: resolveRetryOptions(this.retryOptions),
      events: this.emitter,
      onData: () => this.runner?.signal.notify(),
      onOutOfRange: async (state) => {
        const epoch = state.epoch;
        const positions = await this.retrier(() =>
          resolvePositions(this.cluster, [
            {
              topic: state.topic,
              partition: state.partition,
              request: { kind: state.fromBeginning ? 'earliest' : 'latest' },
            },
          ]),
        );
        if (state.epoch === epoch) state.seek(positions.get(topicPartitionKey(state.topic, state.partition))!);
      },
    });
  }

  async stop(): Promise<void> {
    if (!this.runner) return;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    await this.halt();
    this.runner = null;
    this.emitter.emit(ConsumerEvents.STOP, null);
  }

  /** Stops fetching and delivering, commits what was processed, and leaves the group; the runner can start again. */
  private async halt(): Promise<void> {
    if (this.autoCommitTimer) clearTimeout(this.autoCommitTimer);
    this.autoCommitTimer = null;
    await Promise.all([this.fetcher?.stop(), this.runner?.stop()]);
    // Nothing decodes any more: the frames of what was fetched ahead go back to the pool (frame-pool.ts).
    for (const s of this.states.values()) s.dropFetched();
    if (this.autoCommit)
      await this.commitConsumed().catch((err: Error) =>
        this.log.error('commit on stop failed', { error: err.message }),
      );
    await this.source?.stop().catch((err: Error) => this.log.warn('leaving the group failed', { error: err.message }));
    this.fetcher = null;
    this.states = new Map();
  }

  /**
   * Moves a partition's position. As in kafkajs, only once run() was called (a position before the
   * assignment is applied when it arrives); Sluice's assign() consumers may seek before run() too.
   */
  seek({ topic, partition, offset }: TopicPartitionOffset): void {
    if (!topic) throw new SluiceNonRetriableError(`Invalid topic ${topic}`);
    if (!Number.isInteger(partition))
      throw new SluiceNonRetriableError(`Invalid partition, expected a number received ${partition}`);
    const request = parseSeekOffset(offset);
    this.requireRun();
    this.applySeek(topic, partition, request);
  }

  /** kafkajs refuses pause/resume/seek before run(): there is no consumer group to apply them to yet. */
  private requireRun(): void {
    if (!this.runner && !this.explicit)
      throw new SluiceNonRetriableError('Consumer group was not initialized, consumer#run must be called first');
  }

  /** Sluice addition: position at the first record whose timestamp is >= `timestamp` (ms). */
  seekToTimestamp({
    topic,
    partition,
    timestamp,
  }: {
    topic: string;
    partition: number;
    timestamp: number | string;
  }): void {
    const ms = Number(timestamp);
    if (!Number.isSafeInteger(ms) || ms < 0)
      throw new SluiceNonRetriableError(
        `Invalid timestamp, expected milliseconds since the epoch received ${timestamp}`,
      );
    this.requireRun();
    this.applySeek(topic, partition, { kind: 'timestamp', timestamp: ms });
  }

  private applySeek(topic: string, partition: number, request: PositionRequest): void {
    const key = topicPartitionKey(topic, partition);
    const state = this.states.get(key);
    if (!state) {
      this.pendingSeeks.set(key, request);
      return;
    }
    if (request.kind === 'offset') {
      state.seek(request.offset);
      this.fetcher?.wake();
      return;
    }
    // Earliest/latest/timestamp need a lookup; park the partition until it is done.
    state.seek(-1);
    const epoch = state.epoch;
    this.retrier(() => resolvePositions(this.cluster, [{ topic, partition, request }])).then(
      (positions) => {
        if (state.epoch !== epoch) return;
        state.seek(positions.get(key)!);
        this.fetcher?.wake();
      },
      (err: Error) => this.log.error('seek failed', { topic, partition, error: err.message }),
    );
  }

  pause(topicPartitions: Array<{ topic: string; partitions?: number[] }> = []): void {
    validateTopicPartitions(topicPartitions, 'pause');
    this.requireRun();
    for (const { topic, partitions } of topicPartitions) {
      this.pauses.pause(topic, partitions);
      for (const state of this.states.values()) {
        if (state.topic === topic && (!partitions || partitions.includes(state.partition))) state.paused = true;
      }
    }
    this.fetcher?.wake(); // a stream covering a paused partition ends
  }

  resume(topicPartitions: Array<{ topic: string; partitions?: number[] }> = []): void {
    validateTopicPartitions(topicPartitions, 'resume');
    this.requireRun();
    for (const { topic, partitions } of topicPartitions) {
      this.pauses.resume(topic, partitions);
      for (const state of this.states.values()) {
        if (state.topic === topic) state.paused = this.pauses.isPaused(topic, state.partition);
      }
    }
    this.fetcher?.wake();
    this.runner?.signal.notify();
  }

  /**
   * The offset of the next record this consumer hands to the application for `topic`/`partition` (as Kafka's
   * Java consumer's position()): past the transaction markers and aborted records a fetch skipped, which no
   * handler ever sees. Null while the partition is not assigned or its position is being looked up. A Sluice
   * addition (kafkajs has none): `sluice consume -e` uses it to see that it reached a log ending in a marker.
   */
  position({ topic, partition }: { topic: string; partition: number }): string | null {
    const state = this.states.get(topicPartitionKey(topic, partition));
    if (!state?.hasPosition) return null;
    // Fetched bytes not yet delivered (or being delivered) hold the position at what was handed out.
    const delivering = state.busy || state.hasData;
    return String(delivering ? state.nextOffset : Math.max(state.nextOffset, state.fetchOffset));
  }

  paused(): TopicPartitions[] {
    const out = new Map<string, number[]>();
    for (const state of this.states.values()) {
      if (!state.paused) continue;
      const list = out.get(state.topic) ?? [];
      list.push(state.partition);
      out.set(state.topic, list);
    }
    for (const topic of this.pauses.pausedTopics()) if (!out.has(topic)) out.set(topic, []);
    return [...out].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) }));
  }

  /** Commits through the OffsetCommitter hook (a no-op without a group). */
  async commitOffsets(offsets: TopicPartitionOffsetAndMetadata[]): Promise<void> {
    await this.committer.commit(offsets);
    this.commits.done(offsets);
  }

  private uncommittedOffsets(): OffsetsByTopicPartition {
    const byTopic = new Map<string, Array<{ partition: number; offset: string }>>();
    for (const s of this.states.values()) {
      if (s.nextOffset < 0) continue;
      const list = byTopic.get(s.topic) ?? [];
      list.push({ partition: s.partition, offset: String(s.nextOffset) });
      byTopic.set(s.topic, list);
    }
    return { topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) };
  }

  /** Commits positions that moved; `force` false = the automatic commit, subject to autoCommitInterval/Threshold. */
  private async commitConsumed(force = true): Promise<void> {
    if (!force && !this.commits.due(this.commits.pending(this.states.values()))) return;
    try {
      await this.commitStates(() => this.states.values());
    } catch (err) {
      if (force) throw err;
      this.log.warn('automatic offset commit failed', { groupId: this.config.groupId, error: (err as Error).message });
    }
  }

  /**
   * The automatic commit once a fetch response's records were delivered, which the runner does not wait for.
   * At most one runs at a time: the fetches delivered while it runs get one commit after it, with the positions
   * of that moment (a commit per fetch would only queue up behind a slow coordinator).
   */
  private commitAfterFetch(): void {
    if (!this.runner?.isRunning) return;
    if (this.commitAfterFetchRunning) {
      this.commitAfterFetchAgain = true;
      return;
    }
    this.commitAfterFetchRunning = true;
    // commitConsumed(false) answers a failure with a warning, never a rejection.
    void this.commitConsumed(false).finally(() => {
      this.commitAfterFetchRunning = false;
      const again = this.commitAfterFetchAgain;
      this.commitAfterFetchAgain = false;
      if (again) this.commitAfterFetch();
    });
  }

  /** Commits the positions of `states` that moved, once the commits queued before have finished. */
  private commitStates(states: () => Iterable<PartitionState>): Promise<void> {
    if (this.committer instanceof NoOffsetCommitter) return Promise.resolve();
    const turn = this.commitQueue.then(async () => {
      const offsets = this.commits.pending(states());
      if (offsets.length === 0) return;
      await this.committer.commit(offsets);
      this.commits.done(offsets);
    });
    this.commitQueue = turn.catch(() => undefined);
    return turn;
  }

  /** kafkajs shape: { errorCode, groupId, members, protocol, protocolType, state }. */
  describeGroup(): Promise<GroupDescription & { errorCode: number }> {
    if (!this.group) return Promise.reject(new SluiceNotImplemented('describeGroup() needs a groupId'));
    return this.group.describe() as Promise<GroupDescription & { errorCode: number }>;
  }
}

/** kafkajs's checks of pause()/resume() arguments, with its messages. */
function validateTopicPartitions(list: Array<{ topic: string; partitions?: number[] }>, verb: string): void {
  for (const entry of list) {
    if (!entry?.topic) throw new SluiceNonRetriableError(`Invalid topic ${entry?.topic ?? entry}`);
    const { partitions } = entry;
    if (partitions !== undefined && (!Array.isArray(partitions) || partitions.some((p) => !Number.isInteger(p))))
      throw new SluiceNonRetriableError(
        `Array of valid partitions required to ${verb} specific partitions instead of ${partitions}`,
      );
  }
}
