// The share consumer: a member of a share group (queues on the log). Any number of members read the same
// partitions; the broker hands each record to one member at a time under a lock, and the handler's outcome
// settles it:
//
//   const consumer = sluice.shareConsumer({ groupId: 'mailers', maxInFlight: 10 });
//   await consumer.connect();
//   await consumer.subscribe({ topics: ['emails'] });
//   await consumer.run({ eachMessage: async ({ message }) => send(message.value) });  // resolve = ack
//
// Throwing fails the record (retried after the group's backoff, dead-lettered after the last attempt);
// message.reject(reason) dead-letters it now, message.release() gives it back. Handlers run concurrently,
// up to maxInFlight; the lock of a record whose handler still runs is renewed every half lock timeout.
// A slot frees once the handler's outcome is queued: the next ShareFetch carries the outcomes
// (acknowledger.ts), and the broker settles them before it acquires, so maxInFlight bounds what the broker
// hands out. Membership: heartbeats on the broker's interval; after UNKNOWN_MEMBER_ID (session expired,
// broker restarted) the consumer joins again, and the broker redelivers what it held.
import { ErrorCode, ShareFetchApi, ShareGroupHeartbeatApi } from '../../protocol/index.js';
import { Cluster, type ClusterOptions } from '../cluster.js';
import type { Connection } from '../connection.js';
import { SluiceError, SluiceNonRetriableError, SluiceProtocolError } from '../errors.js';
import { assertGroupId } from '../group-id.js';
import type { Logger } from '../logger.js';
import { Acknowledger, ackRanges, answer, answerAll, type PendingAck } from './acknowledger.js';
import { type DeliveredRecord, deliverEntries, deliverSlices } from './delivered.js';
import { InFlightRecord } from './in-flight.js';
import { LockRenewer } from './lock-renewer.js';
import type { ShareConsumerConfig, ShareRunConfig } from './types.js';

const DEFAULT_MAX_IN_FLIGHT = 10;
const DEFAULT_MAX_WAIT_MS = 5000;
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5000;

type State = 'new' | 'connected' | 'running' | 'stopping' | 'stopped';

export class ShareConsumer {
  readonly #cluster: Cluster;
  readonly #config: Required<Pick<ShareConsumerConfig, 'groupId' | 'maxInFlight' | 'maxWaitTimeInMs'>> &
    ShareConsumerConfig;
  readonly #log: Logger;
  readonly #acks: Acknowledger;
  #state: State = 'new';
  #topics: string[] = [];
  #fromBeginning = false;
  #memberId = '';
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #heartbeatIntervalMs = 5000;
  #joining: Promise<void> | undefined;
  #inFlight = 0;
  #slotFreed: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  /** A ShareFetch is on the wire (outcomes queued meanwhile go in a ShareAcknowledge of their own). */
  #fetching: Promise<unknown> | undefined;
  /** The fetch loop is pausing after an error. */
  #pausing = false;
  /** Records whose handlers run (their locks are renewed while they do). */
  readonly #running = new Set<InFlightRecord>();
  /** disconnect() waits for the running handlers: called when the last one finished. */
  #idle: (() => void) | undefined;
  readonly #renewer = new LockRenewer(this.#running, renewInterval(30_000), (r) => {
    void this.#acks.settle(r.topic, r.partition, r.offset, 'renew');
  });
  readonly #refused = (record: InFlightRecord, error: Error) => {
    this.#log.warn('the broker did not take a share acknowledgement; the record will be delivered again', {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      outcome: record.type,
      error: error.message,
    });
  };

  constructor(cluster: ClusterOptions, config: ShareConsumerConfig, log: Logger) {
    if (!config) throw new SluiceNonRetriableError('shareConsumer needs a groupId');
    assertGroupId(config.groupId, 'shareConsumer groupId');
    const maxInFlight = config.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    if (!Number.isSafeInteger(maxInFlight) || maxInFlight < 1)
      throw new SluiceNonRetriableError(`maxInFlight must be a positive integer, got ${maxInFlight}`);
    const maxWaitTimeInMs = config.maxWaitTimeInMs ?? DEFAULT_MAX_WAIT_MS;
    if (!Number.isSafeInteger(maxWaitTimeInMs) || maxWaitTimeInMs < 0 || maxWaitTimeInMs > 600_000)
      throw new SluiceNonRetriableError(`maxWaitTimeInMs must be from 0 to 600000, got ${maxWaitTimeInMs}`);
    this.#config = { ...config, maxInFlight, maxWaitTimeInMs };
    this.#cluster = new Cluster(cluster);
    this.#log = log;
    const consumer = this;
    this.#acks = new Acknowledger({
      connection: () => this.#cluster.anyConnection(),
      groupId: this.#config.groupId,
      get memberId() {
        return consumer.#memberId;
      },
      // An outcome frees a slot, which wakes an idle fetch loop: it carries the outcome right away.
      fetchWillCarry: (type) =>
        type !== 'renew' && this.#state === 'running' && this.#fetching === undefined && !this.#pausing,
    });
  }

  /** The member id the broker gave this consumer ('' before it joined). */
  get memberId(): string {
    return this.#memberId;
  }

  async connect(): Promise<void> {
    await this.#cluster.connect();
    if (this.#state === 'new') this.#state = 'connected';
  }

  /** Joins the group for these topics (`fromBeginning`: a partition the group never read starts at its earliest record). */
  async subscribe(
    options: { topics: string[]; fromBeginning?: boolean } | { topic: string; fromBeginning?: boolean },
  ): Promise<void> {
    const topics = 'topics' in options ? options.topics : [options.topic];
    if (!Array.isArray(topics) || topics.length === 0 || topics.some((t) => typeof t !== 'string'))
      throw new SluiceNonRetriableError('subscribe needs { topics: [names] }');
    if (this.#state === 'new') throw new SluiceNonRetriableError('connect() before subscribe()');
    await this.#cluster.addTargetTopics(topics);
    this.#topics = [...new Set([...this.#topics, ...topics])];
    this.#fromBeginning = options.fromBeginning ?? this.#fromBeginning;
    await this.#heartbeat();
  }

  /** Starts handing records to `eachMessage`; resolves once running (kafkajs's run()). */
  async run(config: ShareRunConfig): Promise<void> {
    if (typeof config?.eachMessage !== 'function') throw new SluiceNonRetriableError('run() needs eachMessage');
    if (this.#topics.length === 0) throw new SluiceNonRetriableError('subscribe() before run()');
    if (this.#state !== 'connected') throw new SluiceNonRetriableError(`run() on a consumer that is ${this.#state}`);
    this.#state = 'running';
    this.#loop = this.#fetchLoop(config.eachMessage);
  }

  /** Stops fetching, waits for running handlers and their outcomes, leaves the group, closes connections. */
  async disconnect(): Promise<void> {
    if (this.#state === 'stopped') return;
    const wasJoined = this.#memberId !== '';
    this.#state = 'stopping';
    clearTimeout(this.#heartbeatTimer);
    this.#slotFreed?.();
    // A fetch carrying outcomes is answered without a long poll: let it land before closing its connection.
    await this.#fetching?.catch(() => undefined);
    this.#cluster.closeFetchConnections();
    await this.#loop?.catch(() => undefined);
    await this.#acks.flush();
    if (this.#running.size > 0)
      await new Promise<void>((resolve) => {
        this.#idle = resolve;
      });
    await this.#acks.flush();
    if (wasJoined) {
      await this.#send(ShareGroupHeartbeatApi, {
        groupId: this.#config.groupId,
        memberId: this.#memberId,
        leave: true,
        topics: [],
        maxInFlight: 1,
        startFrom: 'latest',
        lockTimeoutMs: null,
        retry: null,
        deadLetterTopic: null,
      }).catch((error) => this.#log.warn('leaving the share group failed', { error: (error as Error).message }));
    }
    this.#memberId = '';
    await this.#cluster.disconnect();
    this.#state = 'stopped';
  }

  async #send<Req, Res>(api: import('../../protocol/index.js').ApiSpec<Req, Res>, request: Req): Promise<Res> {
    return (await this.#cluster.anyConnection()).send(api, request);
  }

  /** Joins (memberId '') or heartbeats; schedules the next heartbeat. Concurrent calls share one join. */
  #heartbeat(): Promise<void> {
    this.#joining ??= this.#heartbeatOnce().finally(() => {
      this.#joining = undefined;
    });
    return this.#joining;
  }

  async #heartbeatOnce(): Promise<void> {
    clearTimeout(this.#heartbeatTimer);
    const { retry } = this.#config;
    const b = retry?.backoff;
    const response = await this.#send(ShareGroupHeartbeatApi, {
      groupId: this.#config.groupId,
      memberId: this.#memberId,
      leave: false,
      topics: this.#topics,
      maxInFlight: this.#config.maxInFlight,
      startFrom: this.#fromBeginning ? 'earliest' : 'latest',
      lockTimeoutMs: this.#config.lockTimeoutMs ?? null,
      retry: retry
        ? {
            maxAttempts: retry.maxAttempts ?? null,
            backoffType: b?.type ?? null,
            initialMs: b?.initialMs ?? null,
            multiplierMilli: b?.multiplier === undefined ? null : Math.round(b.multiplier * 1000),
            maxMs: b?.maxMs ?? null,
            jitterPercent: b?.jitter === undefined ? null : Math.round(b.jitter * 100),
          }
        : null,
      deadLetterTopic: this.#config.deadLetterTopic ?? null,
    });
    if (response.errorCode === ErrorCode.UNKNOWN_MEMBER_ID && this.#memberId !== '') {
      this.#memberId = '';
      return this.#heartbeatOnce();
    }
    if (response.errorCode !== 0) throw new SluiceProtocolError(response.errorCode, response.errorMessage ?? undefined);
    this.#memberId = response.memberId;
    this.#renewer.renewEveryMs = renewInterval(response.lockTimeoutMs);
    this.#heartbeatIntervalMs = response.heartbeatIntervalMs;
    this.#scheduleHeartbeat();
  }

  #scheduleHeartbeat(): void {
    if (this.#state === 'stopping' || this.#state === 'stopped') return;
    this.#heartbeatTimer = setTimeout(() => {
      this.#heartbeat().catch((error) => {
        this.#log.warn('share group heartbeat failed', { error: (error as Error).message });
        this.#scheduleHeartbeat();
      });
    }, this.#heartbeatIntervalMs);
    this.#heartbeatTimer.unref();
  }

  async #fetchLoop(eachMessage: ShareRunConfig['eachMessage']): Promise<void> {
    let pause = 0;
    while (this.#state === 'running') {
      if (this.#inFlight >= this.#config.maxInFlight) {
        await new Promise<void>((resolve) => {
          this.#slotFreed = resolve;
        });
        // Handlers finishing in this same turn free their slots too: one fetch carries all their outcomes.
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      let carried: PendingAck[] = [];
      try {
        if (this.#memberId === '') await this.#heartbeat();
        const connection = await this.#fetchConnection();
        if (this.#state !== 'running') return;
        carried = this.#acks.take();
        const sent = connection.send(
          ShareFetchApi,
          {
            groupId: this.#config.groupId,
            memberId: this.#memberId,
            maxRecords: this.#config.maxInFlight - this.#inFlight,
            maxWaitMs: this.#config.maxWaitTimeInMs,
            acks: ackRanges(carried),
          },
          { timeoutMs: this.#config.maxWaitTimeInMs + 30_000 },
        );
        this.#fetching = sent;
        const response = await sent.finally(() => {
          this.#fetching = undefined;
        });
        if (response.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
          answerAll(carried, new SluiceProtocolError(response.errorCode, response.errorMessage ?? undefined));
          this.#memberId = '';
          continue;
        }
        if (response.errorCode !== 0)
          throw new SluiceProtocolError(response.errorCode, response.errorMessage ?? undefined);
        answer(carried, response.acks);
        pause = 0;
        const before = this.#inFlight;
        // One clock reading per answer: its records are all delivered now (the renewer's start).
        const deliveredAt = performance.now();
        const start = (record: DeliveredRecord) => this.#start(record, eachMessage, deliveredAt);
        deliverSlices(response.slices, start);
        deliverEntries(response.records, start);
        // Fewer records than free slots: the next fetch waits one turn, so the outcomes of handlers that
        // return at once ride in it (else it would long-poll with nothing to carry, and they would need a
        // ShareAcknowledge of their own).
        if (this.#inFlight > before && this.#inFlight < this.#config.maxInFlight)
          await new Promise<void>((resolve) => setImmediate(resolve));
      } catch (error) {
        answerAll(carried, error as Error);
        if (this.#state !== 'running') return;
        pause = Math.min(RECONNECT_MAX_MS, Math.max(RECONNECT_MIN_MS, pause * 2));
        this.#log.warn('share fetch failed; retrying', { error: (error as Error).message, retryInMs: pause });
        if (error instanceof SluiceError && error.code === ErrorCode.UNKNOWN_MEMBER_ID) this.#memberId = '';
        this.#pausing = true;
        void this.#acks.flush();
        await new Promise((resolve) => setTimeout(resolve, pause));
        this.#pausing = false;
      }
    }
  }

  async #fetchConnection(): Promise<Connection> {
    const nodeId = this.#cluster.leaderOf(this.#topics[0]!, 0);
    return this.#cluster.fetchConnection(nodeId);
  }

  #start(record: DeliveredRecord, eachMessage: ShareRunConfig['eachMessage'], deliveredAt: number): void {
    this.#inFlight++;
    const held = new InFlightRecord(record, deliveredAt, this.#refused);
    this.#running.add(held);
    this.#renewer.held();
    void this.#handle(held, eachMessage);
  }

  async #handle(held: InFlightRecord, eachMessage: ShareRunConfig['eachMessage']): Promise<void> {
    try {
      await eachMessage(held.payload);
      held.handled('ack', null);
    } catch (error) {
      held.handled('fail', messageOf(error));
    }
    this.#running.delete(held);
    this.#renewer.released();
    // Queued before the slot frees: the fetch the freed slot wakes carries it.
    this.#acks.queue(held);
    this.#inFlight--;
    const wake = this.#slotFreed;
    this.#slotFreed = undefined;
    wake?.();
    if (this.#running.size === 0) {
      const idle = this.#idle;
      this.#idle = undefined;
      idle?.();
    }
  }
}

/** Locks are renewed every half lock timeout (at least 50 ms apart). */
function renewInterval(lockTimeoutMs: number): number {
  return Math.max(50, Math.floor(lockTimeoutMs / 2));
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
