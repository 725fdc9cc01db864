// The activity log: the internal topic `__activity` (one partition), one JSON record per ActivityEvent
// (time, type, principal, client address, client id, listener, outcome, resource, details), readable like
// any topic by principals allowed to Read it. It lives in its own log manager under
// `<dataDir>/__activity/__activity-0/` (the topic registry never sees it, so no client creates, deletes,
// alters or produces to it), with time retention (default 7 days) dropping whole day-long segments.
//
// Off the request path: a subscriber of activityChannel only queues the event (no I/O, no await); the queue
// is written as one record batch per tick (setImmediate), one append in flight at a time. Appending to the
// partition log publishes no activity event, so the log never writes about itself. A queue past
// MAX_PENDING drops new events (counted, and logged once per batch) rather than grow without bound.
import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  type Clock,
  type FlushPolicy,
  LogManager,
  type PartitionLog,
  resolvePartitionConfig,
  type StorageFs,
} from '../../../storage/index.js';
import { buildRecordBatchSync } from '../../records/index.js';
import { type ActivityEvent, activityChannel, rebalanceChannel, type RebalanceEvent } from '../diagnostics.js';

export const ACTIVITY_TOPIC = '__activity';
export const ACTIVITY_DIR = '__activity';
export const DEFAULT_ACTIVITY_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Events waiting to be written; beyond this new ones are dropped (a stuck disk must not exhaust memory). */
const MAX_PENDING = 100_000;
/** Records per batch written. */
const MAX_BATCH = 5_000;

export interface ActivityLogOptions {
  dataDir: string;
  fs?: StorageFs;
  flush: FlushPolicy;
  clock: Clock;
  logger: Logger;
  retentionMs: number;
  /** Wakes long polls on `__activity` after an append. */
  onAppended(partition: number): void;
}

/** One record of `__activity` as JSON: an event's fields, each present (null when absent), led by the time. */
export interface ActivityRecord {
  /** ISO 8601, the broker's clock when the event was recorded. */
  time: string;
  type: string;
  principal: string | null;
  clientHost: string | null;
  clientId: string | null;
  listener: string | null;
  outcome: ActivityEvent['outcome'];
  resource: string | null;
  details: NonNullable<ActivityEvent['details']>;
}

/** The record an event becomes: its fields in a fixed order, led by the time. */
function recordOf(event: ActivityEvent, now: number): string {
  return JSON.stringify({
    time: new Date(now).toISOString(),
    type: event.type,
    principal: event.principal ?? null,
    clientHost: event.clientHost ?? null,
    clientId: event.clientId ?? null,
    listener: event.listener ?? null,
    outcome: event.outcome,
    resource: event.resource ?? null,
    details: event.details ?? {},
  } satisfies ActivityRecord);
}

export class ActivityLog {
  readonly #manager: LogManager;
  readonly #log: PartitionLog;
  readonly #options: ActivityLogOptions;
  #pending: Array<{ event: ActivityEvent; at: number }> = [];
  #dropped = 0;
  #writing: Promise<void> | undefined;
  #scheduled = false;
  #closed = false;
  readonly #onActivity = (message: unknown) => this.#enqueue(message as ActivityEvent);
  readonly #onRebalance = (message: unknown) => {
    const { groupId } = message as RebalanceEvent;
    this.#enqueue({ type: 'group.rebalancing', outcome: 'success', resource: `group:${groupId}` });
  };

  private constructor(manager: LogManager, log: PartitionLog, options: ActivityLogOptions) {
    this.#manager = manager;
    this.#log = log;
    this.#options = options;
  }

  /** Opens (recovering) `__activity` and starts recording every activity event published from now on. */
  static async open(options: ActivityLogOptions): Promise<ActivityLog> {
    const config = resolvePartitionConfig({
      retentionMs: options.retentionMs,
      retentionBytes: -1,
      segmentBytes: 64 * 1024 * 1024,
      segmentMs: Math.min(DAY_MS, Math.max(1, options.retentionMs)),
      flush: options.flush,
    });
    const manager = await LogManager.open({
      dataDir: join(options.dataDir, ACTIVITY_DIR),
      configFor: () => config,
      ...(options.fs ? { fs: options.fs } : {}),
      clock: options.clock,
      logger: options.logger,
    });
    try {
      const log = manager.get(ACTIVITY_TOPIC, 0) ?? (await manager.create(ACTIVITY_TOPIC, 0, config));
      const activity = new ActivityLog(manager, log, options);
      activityChannel.subscribe(activity.#onActivity);
      rebalanceChannel.subscribe(activity.#onRebalance);
      return activity;
    } catch (error) {
      await manager.close().catch(() => undefined);
      throw error;
    }
  }

  get log(): PartitionLog {
    return this.#log;
  }

  /** Stops recording, writes what is queued, closes the log. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    activityChannel.unsubscribe(this.#onActivity);
    rebalanceChannel.unsubscribe(this.#onRebalance);
    await this.flushed();
    await this.#manager.close();
  }

  /** Resolves once every event queued so far is written (tests, and close). */
  async flushed(): Promise<void> {
    while (this.#writing || this.#pending.length > 0) {
      if (!this.#writing) this.#write();
      await this.#writing;
    }
  }

  #enqueue(event: ActivityEvent): void {
    if (this.#pending.length >= MAX_PENDING) {
      this.#dropped++;
      return;
    }
    this.#pending.push({ event, at: this.#options.clock.now() });
    if (this.#scheduled || this.#writing) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      if (!this.#writing) this.#write();
    });
  }

  #write(): void {
    const batch = this.#pending.splice(0, MAX_BATCH);
    if (batch.length === 0) return;
    const bytes = buildRecordBatchSync(
      batch.map(({ event, at }) => ({ key: null, value: Buffer.from(recordOf(event, at)), timestamp: at })),
    );
    this.#writing = this.#log
      .append(bytes)
      .then(
        () => this.#options.onAppended(0),
        (err: unknown) => this.#options.logger.error({ err, events: batch.length }, 'could not write to __activity'),
      )
      .finally(() => {
        this.#writing = undefined;
        if (this.#dropped > 0) {
          this.#options.logger.warn({ dropped: this.#dropped }, '__activity fell behind: events dropped');
          this.#dropped = 0;
        }
        if (this.#pending.length > 0) this.#write();
      });
  }
}
