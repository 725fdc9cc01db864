// A WebSocket subscription with share-group semantics: the socket is one member of the share group (the
// broker's ShareCoordinator, called through QueuesCore as the native ShareGroupHeartbeat, ShareFetch and
// ShareAcknowledge handlers call it), so records are handed to it under a lock, up to maxInFlight at a
// time, and the client settles each one: ack, release (back now, the attempt not counted), reject (to the
// dead-letter topic now) or fail (retried after the group's backoff, dead-lettered after the last attempt).
// A record the client leaves unanswered past the group's lock timeout is handed out again (renew extends
// the lock). Each record frame carries `delivery_attempt` (1 on the first delivery).
//
// Settings: the subscribe may declare the group's lock timeout, retry policy and dead-letter topic, in the
// SDK's ShareConsumerConfig shape; they are sent on every join as an SDK member sends them, and the broker
// applies them when a member joins (memberId ''), as for the SDK.
//
// Membership: joined on subscribe, heartbeated on the broker's interval, left on unsubscribe or close (the
// records it held come back at once). After UNKNOWN_MEMBER_ID (session expired, broker restarted) it joins
// again; the records it held are delivered again by the broker, to it or to another member. stop() waits
// for the fetch loop and for a heartbeat under way before it leaves, so no join lands after the leave.
import type { AckType, FetchedRecord } from '../../broker/share/index.js';
import { CoreError } from '../core.js';
import type { QueuesCore, ShareGroupSettings } from '../queues-core.js';
import { type RecordFormat, recordFrame } from './partition-tails.js';
import type { WsSubscription } from './subscription-slot.js';

/** How long one share fetch waits on the broker for records before looking again. */
const FETCH_WAIT_MS = 5000;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;

export interface ShareOutlet {
  send(frame: Buffer, format: RecordFormat): void;
  /** Resolves once the socket can take more (throws once the session is closed). */
  writable(signal: AbortSignal): Promise<void>;
  failed(error: Error): void;
}

export interface ShareSubscriptionOptions {
  groupId: string;
  topics: string[];
  maxInFlight: number;
  startFrom: 'earliest' | 'latest';
  format: RecordFormat;
  clientHost: string;
  settings: ShareGroupSettings;
}

export class ShareSubscription implements WsSubscription {
  readonly #queues: QueuesCore;
  readonly #options: ShareSubscriptionOptions;
  readonly #outlet: ShareOutlet;
  readonly #stop = new AbortController();
  #memberId = '';
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #heartbeatIntervalMs = 5000;
  /** A heartbeat under way (it may join again). */
  #heartbeat: Promise<void> | undefined;
  #loop: Promise<void> | undefined;

  constructor(queues: QueuesCore, options: ShareSubscriptionOptions, outlet: ShareOutlet) {
    this.#queues = queues;
    this.#options = options;
    this.#outlet = outlet;
  }

  /** Joins the group (refusals, such as an unknown topic, reject) and starts pushing records. */
  async start(): Promise<void> {
    await this.#join();
    this.#loop = this.#fetchLoop();
  }

  /** Settles one record this member holds; refusals (not held: settled, or its lock expired) throw. */
  async settle(topic: string, partition: number, offset: number, type: AckType, error: string | null): Promise<void> {
    if (this.#memberId === '') throw new CoreError('UNKNOWN_MEMBER_ID', 'the subscription is joining its group again');
    const [result] = await this.#queues.shareAcknowledge(this.#options.groupId, this.#memberId, [
      { topic, partition, offset, type, error },
    ]);
    if (result?.error) throw new CoreError('INVALID_RECORD_STATE', result.error.message);
  }

  /** Stops fetching and leaves the group: what this member held is available again at once. */
  async stop(): Promise<void> {
    this.#stop.abort();
    clearTimeout(this.#heartbeatTimer);
    await Promise.all([this.#loop?.catch(() => undefined), this.#heartbeat]);
    const memberId = this.#memberId;
    this.#memberId = '';
    if (memberId !== '') await this.#queues.shareLeave(this.#options.groupId, memberId);
  }

  async #join(): Promise<void> {
    const result = await this.#queues.shareHeartbeat({
      groupId: this.#options.groupId,
      memberId: this.#memberId,
      topics: this.#options.topics,
      maxInFlight: this.#options.maxInFlight,
      startFrom: this.#options.startFrom,
      clientId: 'sluice-ws',
      clientHost: this.#options.clientHost,
      settings: this.#options.settings,
    });
    this.#memberId = result.memberId;
    this.#heartbeatIntervalMs = result.heartbeatIntervalMs;
    this.#scheduleHeartbeat();
  }

  #scheduleHeartbeat(): void {
    clearTimeout(this.#heartbeatTimer);
    if (this.#stop.signal.aborted) return;
    this.#heartbeatTimer = setTimeout(() => {
      this.#heartbeat = this.#join()
        .catch((error) => {
          if (isUnknownMember(error)) this.#memberId = '';
          this.#scheduleHeartbeat();
        })
        .finally(() => {
          this.#heartbeat = undefined;
        });
    }, this.#heartbeatIntervalMs);
    this.#heartbeatTimer.unref();
  }

  async #fetchLoop(): Promise<void> {
    const signal = this.#stop.signal;
    let pause = 0;
    while (!signal.aborted) {
      try {
        await this.#outlet.writable(signal);
        if (this.#memberId === '') await this.#join();
        const records = await this.#queues.shareFetch(
          this.#options.groupId,
          this.#memberId,
          this.#options.maxInFlight,
          FETCH_WAIT_MS,
          signal,
        );
        pause = 0;
        for (const record of records) this.#push(record);
        // A stopping broker answers every fetch at once with nothing: end instead of spinning.
        if (records.length === 0 && this.#queues.stopping) return;
      } catch (error) {
        if (signal.aborted) return;
        if (isUnknownMember(error)) {
          this.#memberId = '';
          continue;
        }
        this.#outlet.failed(error as Error);
        pause = Math.min(RETRY_MAX_MS, Math.max(RETRY_MIN_MS, pause * 2));
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  #push(record: FetchedRecord): void {
    const frame = recordFrame(
      record.topic,
      record.partition,
      {
        partition: record.partition,
        offset: record.offset,
        timestamp: record.timestamp,
        key: record.key,
        value: record.value,
        headers: record.headers.map(([name, value]) => [name, value]),
      },
      this.#options.format,
      { delivery_attempt: record.deliveryCount },
    );
    this.#outlet.send(frame, this.#options.format);
  }
}

function isUnknownMember(error: unknown): boolean {
  return error instanceof CoreError && error.errorName === 'UNKNOWN_MEMBER_ID';
}
