// One WebSocket client of the gateway: its subscription, its produces and commits, and its backpressure.
//
// Messages are JSON text frames. Client → gateway (each may carry an `id` echoed in the answer):
//   { op: 'subscribe', topics: [..], group?: string, from?: 'earliest'|'latest'|number, autoCommit?: bool,
//     format?: 'json'|'binary' }                       binary: records come as binary frames (partition-tails.ts)
//   { op: 'subscribe', topics: [..], shareGroup: string, maxInFlight?: 1..1000 (10), from?: 'earliest'|'latest',
//     format?: 'json'|'binary', lockTimeoutMs?, retry?: { maxAttempts?, backoff?: { type?, initialMs?,
//     multiplier?, maxMs?, jitter? } }, deadLetterTopic? }
//                                                      a share-group member (share-subscription.ts); the
//                                                      settings as the SDK's ShareConsumerConfig declares them
//   { op: 'ack'|'release'|'reject'|'fail'|'renew', topic, partition, offset, error? }
//                                                      share members only: settle (or renew the lock of) a record
//   { op: 'commit', topic, partition, offset }         group members only; offset = the next record to read
//   { op: 'produce', topic, records: [REST record] }    records as POST …/records:batch entries, checked by the
//                                                       same schema: one bad record refuses the whole message (400)
//   { op: 'unsubscribe' }
//   { op: 'auth', token }                               with authentication on: first, unless the upgrade
//                                                       carried an Authorization header (ws-auth.ts)
// Gateway → client:
//   { type: 'subscribed' | 'unsubscribed' | 'committed' | 'settled', id }
//   { type: 'authenticated', id, principal }
//   { type: 'record', topic, partition, offset, timestamp, key, value, headers }   key/value as REST reads (auto);
//     share-group records also carry delivery_attempt (1 on the first delivery);
//     with format 'binary', a binary frame instead: u32 header length, that JSON header, the value's bytes
//   { type: 'produced', id, results: [{ partition, offset } | { error_code, message }] }
//   { type: 'error', id, error_code, message }
//
// A socket has at most one subscription: a subscribe replaces the one before (stopped first, even while it
// was still starting), unsubscribe and close stop it. Messages are handled concurrently, so these changes
// go through the session's SubscriptionSlot (subscription-slot.ts), which applies them one at a time in the
// order they came; a subscribe replaced before it started is answered with an error (409).
//
// Without a group a subscription is one PartitionFeed per partition of its topics: it rides the
// partition's shared tail reader (one log read and one encoding per record for every socket at the tail)
// and reads on its own only while behind it. With a group it is a real group member: an SDK consumer on
// the broker's native listener, so joins, rebalances, assignment and commits are exactly the SDK's
// (group-subscription.ts). With a shareGroup it is a member of that share group, settling records one by
// one (share-subscription.ts).
//
// Backpressure: before each push the socket's queued bytes (ws bufferedAmount) are compared with
// wsMaxBufferedBytes; over it, nothing more is read for this socket (a shared tail drops it and feeds the
// others on; its own reads, or the SDK consumer's eachMessage, wait). A socket that stays over the limit
// for wsStuckTimeoutMs is closed with code 4008.
import type { WebSocket } from 'ws';
import type { AckType } from '../../broker/share/index.js';
import { CoreError, type HttpCore } from '../core.js';
import { HttpError, statusOf } from '../errors.js';
import type { HttpConfig } from '../options.js';
import type { QueuesCore, ShareGroupSettings } from '../queues-core.js';
import { GroupSubscription } from './group-subscription.js';
import { type FeedOutlet, PartitionFeed } from './partition-feed.js';
import type { PartitionTails, RecordFormat } from './partition-tails.js';
import { ShareSubscription } from './share-subscription.js';
import { SubscriptionSlot, type WsSubscription } from './subscription-slot.js';
import { CLOSE_UNAUTHENTICATED, type WsAuth } from './ws-auth.js';
import { messageValidator } from '../lazy-schemas.js';
import { batchEntrySchema, type RecordInput, toProduce } from '../routes/records.js';

export const CLOSE_STUCK = 4008;

const SETTLE_OPS: ReadonlySet<string> = new Set(['ack', 'release', 'reject', 'fail', 'renew']);
const MAX_SHARE_IN_FLIGHT = 1000;

/** A produce's records are checked as records:batch entries are: the same schema, the same ajv options. */
const validateProduce = messageValidator(
  {
    type: 'object',
    required: ['topic', 'records'],
    properties: { topic: { type: 'string' }, records: { type: 'array', minItems: 1, items: batchEntrySchema } },
  },
  'message',
);

/** While a socket is over its buffered-bytes limit, how often it is looked at again. */
const DRAIN_CHECK_MS = 20;

class SessionClosed extends Error {}

interface Message {
  op?: unknown;
  id?: unknown;
  [key: string]: unknown;
}

export class WsSession {
  readonly #socket: WebSocket;
  readonly #core: HttpCore;
  readonly #queues: QueuesCore;
  readonly #tails: PartitionTails;
  readonly #config: HttpConfig;
  readonly #auth: WsAuth;
  readonly #subscription = new SubscriptionSlot();
  #closing: Promise<void> | undefined;
  readonly #clientHost: string;

  constructor(
    socket: WebSocket,
    core: HttpCore,
    queues: QueuesCore,
    tails: PartitionTails,
    config: HttpConfig,
    auth: WsAuth,
    clientHost: string,
  ) {
    this.#socket = socket;
    this.#auth = auth;
    this.#core = core;
    this.#queues = queues;
    this.#clientHost = clientHost;
    this.#tails = tails;
    this.#config = config;
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        this.#send({ type: 'error', id: null, error_code: 400, message: 'send JSON text frames' });
        return;
      }
      void this.#handle(data.toString());
    });
    socket.on('close', () => void this.close());
  }

  /**
   * Stops the subscription for good, resolving once it has stopped (every caller waits for the same
   * stop); with a code, also closes the socket (the server is going away).
   */
  close(code?: number, reason?: string): Promise<void> {
    if (code !== undefined && this.#socket.readyState === this.#socket.OPEN) this.#socket.close(code, reason);
    if (!this.#closing) {
      this.#auth.dispose();
      this.#closing = this.#subscription.close();
    }
    return this.#closing;
  }

  async #handle(text: string): Promise<void> {
    let message: Message;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      message = parsed as Message;
    } catch {
      this.#send({ type: 'error', id: null, error_code: 400, message: 'a message must be a JSON object with "op"' });
      return;
    }
    const id = typeof message.id === 'string' || typeof message.id === 'number' ? message.id : null;
    try {
      if (message.op === 'auth') {
        this.#send({ type: 'authenticated', id, principal: await this.#auth.authenticate(message.token) });
        return;
      }
      if (this.#auth.pending) {
        this.#send({ type: 'error', id, error_code: 401, message: 'authenticate first: { "op": "auth", "token" }' });
        this.#socket.close(CLOSE_UNAUTHENTICATED, 'authentication required');
        return;
      }
      switch (message.op) {
        case 'subscribe':
          await this.#subscribe(message);
          this.#send({ type: 'subscribed', id });
          return;
        case 'unsubscribe':
          await this.#subscription.unsubscribe();
          this.#send({ type: 'unsubscribed', id });
          return;
        case 'commit':
          await this.#commit(message);
          this.#send({ type: 'committed', id });
          return;
        case 'produce':
          this.#send({ type: 'produced', id, results: await this.#produce(message) });
          return;
        default:
          if (typeof message.op === 'string' && SETTLE_OPS.has(message.op)) {
            await this.#settle(message.op as AckType, message);
            this.#send({ type: 'settled', id });
            return;
          }
          throw new HttpError(
            400,
            `unknown op ${JSON.stringify(message.op)} (subscribe, unsubscribe, commit, produce, auth, ack, release, reject, fail, renew)`,
          );
      }
    } catch (error) {
      if (error instanceof SessionClosed) return;
      const [status, text] =
        error instanceof HttpError
          ? [error.status, error.message]
          : error instanceof CoreError
            ? [statusOf(error.errorName), `${error.errorName}: ${error.message}`]
            : [500, (error as Error).message ?? String(error)];
      this.#send({ type: 'error', id, error_code: status, message: text });
    }
  }

  async #subscribe(message: Message): Promise<void> {
    const topics = message.topics;
    if (!Array.isArray(topics) || topics.length === 0 || topics.some((t) => typeof t !== 'string'))
      throw new HttpError(400, '"topics" must be a non-empty list of topic names');
    const group = message.group;
    if (group !== undefined && (typeof group !== 'string' || group === ''))
      throw new HttpError(400, '"group" must be a non-empty string');
    const shareGroup = message.shareGroup;
    if (shareGroup !== undefined && (typeof shareGroup !== 'string' || shareGroup === ''))
      throw new HttpError(400, '"shareGroup" must be a non-empty string');
    if (shareGroup !== undefined && group !== undefined)
      throw new HttpError(400, 'give "group" (a consumer group) or "shareGroup" (a queue), not both');
    const maxInFlight = message.maxInFlight ?? 10;
    if (
      !Number.isSafeInteger(maxInFlight) ||
      (maxInFlight as number) < 1 ||
      (maxInFlight as number) > MAX_SHARE_IN_FLIGHT
    )
      throw new HttpError(400, `"maxInFlight" must be an integer from 1 to ${MAX_SHARE_IN_FLIGHT}`);
    const from = message.from ?? 'latest';
    if (from !== 'earliest' && from !== 'latest' && !(Number.isSafeInteger(from) && (from as number) >= 0))
      throw new HttpError(400, '"from" must be "earliest", "latest" or an offset');
    const format = message.format ?? 'json';
    if (format !== 'json' && format !== 'binary') throw new HttpError(400, '"format" must be "json" or "binary"');
    for (const topic of topics as string[]) this.#auth.require('Read', 'topic', topic);
    if (group !== undefined) this.#auth.require('Read', 'group', group);
    if (shareGroup !== undefined) this.#auth.require('Read', 'group', shareGroup);
    if (shareGroup !== undefined && from !== 'earliest' && from !== 'latest')
      throw new HttpError(400, 'a share group starts from "earliest" or "latest" (where it never read before)');
    const settings = shareGroupSettings(message);
    if (shareGroup === undefined && settings !== null)
      throw new HttpError(400, '"lockTimeoutMs", "retry" and "deadLetterTopic" are settings of a "shareGroup"');
    for (const topic of topics as string[]) this.#core.topic(topic);
    const names = topics as string[];
    await this.#subscription.subscribe((signal) => {
      if (shareGroup !== undefined)
        return this.#shareMember(
          signal,
          names,
          shareGroup,
          maxInFlight as number,
          from as 'earliest',
          format,
          settings,
        );
      if (group !== undefined)
        return this.#groupMember(signal, names, group, from === 'earliest', message.autoCommit === true, format);
      return this.#partitionReads(signal, names, from as 'earliest' | 'latest' | number, format);
    });
  }

  /** Sends a frame of the subscription `signal` stops: once it is stopped, nothing more goes out. */
  #sendFrameOf(signal: AbortSignal): (frame: Buffer, format: RecordFormat) => void {
    return (frame, format) => {
      if (!signal.aborted) this.#sendFrame(frame, format);
    };
  }

  #partitionReads(
    signal: AbortSignal,
    topics: string[],
    from: 'earliest' | 'latest' | number,
    format: RecordFormat,
  ): WsSubscription {
    const outlet: FeedOutlet = {
      canTake: () => this.#socket.bufferedAmount <= this.#config.wsMaxBufferedBytes,
      send: this.#sendFrameOf(signal),
      writable: (feedSignal) => this.#writable(feedSignal),
      failed: (topic, partition, error) => {
        if (error instanceof SessionClosed || signal.aborted) return;
        this.#send({ type: 'error', id: null, error_code: 500, message: `${topic}-${partition}: ${error.message}` });
      },
    };
    return {
      // The feeds end on the signal (each leaves its tail then), so there is nothing more to stop.
      start: async () => {
        for (const topic of topics) {
          for (const p of this.#core.partitions(topic)) {
            const position = from === 'earliest' ? p.logStartOffset : from === 'latest' ? p.highWatermark : from;
            new PartitionFeed(
              { topic, partition: p.partition, position, format },
              this.#core,
              this.#tails,
              outlet,
              signal,
            ).start();
          }
        }
      },
      stop: async () => undefined,
    };
  }

  #groupMember(
    signal: AbortSignal,
    topics: string[],
    groupId: string,
    fromBeginning: boolean,
    autoCommit: boolean,
    format: RecordFormat,
  ): GroupSubscription {
    return new GroupSubscription(
      {
        nativeAddress: this.#core.nativeAddress,
        sasl: this.#auth.sasl(),
        groupId,
        topics,
        fromBeginning,
        autoCommit,
        format,
      },
      { send: this.#sendFrameOf(signal), writable: (memberSignal) => this.#writable(memberSignal) },
      signal,
    );
  }

  #shareMember(
    signal: AbortSignal,
    topics: string[],
    groupId: string,
    maxInFlight: number,
    startFrom: 'earliest' | 'latest',
    format: RecordFormat,
    settings: ShareGroupSettings | null,
  ): ShareSubscription {
    return new ShareSubscription(
      this.#queues,
      {
        groupId,
        topics,
        maxInFlight,
        startFrom,
        format,
        clientHost: this.#clientHost,
        settings: settings ?? { lockTimeoutMs: null, retry: null, deadLetterTopic: null },
      },
      {
        send: this.#sendFrameOf(signal),
        writable: (memberSignal) => this.#writable(memberSignal),
        failed: (error) => {
          if (error instanceof SessionClosed || signal.aborted) return;
          this.#send({ type: 'error', id: null, error_code: 500, message: `share group ${groupId}: ${error.message}` });
        },
      },
    );
  }

  async #settle(type: AckType, message: Message): Promise<void> {
    const share = this.#subscription.current;
    if (!(share instanceof ShareSubscription))
      throw new HttpError(409, `${type} needs a subscription with a "shareGroup"`);
    const { topic, partition, offset, error } = message;
    if (typeof topic !== 'string' || !Number.isSafeInteger(partition) || !Number.isSafeInteger(offset))
      throw new HttpError(400, `${type} needs the record's "topic", "partition" and "offset"`);
    if (error !== undefined && error !== null && typeof error !== 'string')
      throw new HttpError(400, '"error" must be a string (why the record failed or was rejected)');
    const reason =
      typeof error === 'string' ? error : type === 'reject' ? 'rejected' : type === 'fail' ? 'failed' : null;
    await share.settle(topic, partition as number, offset as number, type, reason);
  }

  async #commit(message: Message): Promise<void> {
    const member = this.#subscription.current;
    if (!(member instanceof GroupSubscription)) throw new HttpError(409, 'commit needs a subscription with a "group"');
    const { topic, partition, offset } = message;
    if (typeof topic !== 'string' || !Number.isSafeInteger(partition) || !Number.isSafeInteger(offset))
      throw new HttpError(400, 'commit needs "topic", "partition" and "offset" (the next offset to read)');
    await member.commit(topic, partition as number, offset as number);
  }

  async #produce(message: Message) {
    const invalid = validateProduce(message);
    if (invalid !== null) throw new HttpError(400, `invalid request: ${invalid}`);
    const { topic, records } = message as Message & { topic: string; records: RecordInput[] };
    this.#auth.require('Write', 'topic', topic);
    if (records.length > this.#config.maxRecordsPerRequest)
      throw new HttpError(413, `${records.length} records: at most ${this.#config.maxRecordsPerRequest} per message`);
    const inputs = records.map((record, i) => toProduce(record, `records[${i}]`));
    const outcomes = await this.#core.produce(topic, inputs, this.#auth.requester);
    return outcomes.map((o) =>
      o.ok
        ? { partition: o.partition, offset: o.offset }
        : { partition: o.partition, error_code: statusOf(o.errorName), message: `${o.errorName}: ${o.message}` },
    );
  }

  /** Resolves once the socket's queue is under the limit; closes the socket (4008) if it stays over. */
  async #writable(signal: AbortSignal): Promise<void> {
    const limit = this.#config.wsMaxBufferedBytes;
    if (this.#socket.bufferedAmount <= limit) return;
    const since = Date.now();
    while (this.#socket.bufferedAmount > limit) {
      if (signal.aborted || this.#closing) throw new SessionClosed();
      if (Date.now() - since > this.#config.wsStuckTimeoutMs) {
        this.#tails.stats.closedStuck++;
        this.#socket.close(
          CLOSE_STUCK,
          `slow consumer: over ${limit} bytes queued for ${this.#config.wsStuckTimeoutMs} ms`,
        );
        // Not awaited: closing stops the subscription, and stopping waits for the reader now waiting here.
        void this.close();
        throw new SessionClosed();
      }
      await new Promise((resolve) => setTimeout(resolve, DRAIN_CHECK_MS));
    }
  }

  #sendFrame(frame: Buffer, format: RecordFormat): void {
    if (this.#socket.readyState === this.#socket.OPEN) this.#socket.send(frame, { binary: format === 'binary' });
  }

  #send(message: object): void {
    if (this.#socket.readyState === this.#socket.OPEN) this.#socket.send(JSON.stringify(message));
  }
}

/**
 * The share-group settings of a subscribe, in the shape of the SDK's ShareConsumerConfig (lockTimeoutMs,
 * retry: { maxAttempts, backoff: { type, initialMs, multiplier, maxMs, jitter } }, deadLetterTopic), or null
 * when it gives none. Only types are checked here: the ranges are the share coordinator's, as for the SDK.
 */
function shareGroupSettings(message: Message): ShareGroupSettings | null {
  const { lockTimeoutMs, retry, deadLetterTopic } = message;
  if (lockTimeoutMs === undefined && retry === undefined && deadLetterTopic === undefined) return null;
  const integer = (name: string, value: unknown): number | undefined => {
    if (value === undefined) return undefined;
    if (!Number.isSafeInteger(value)) throw new HttpError(400, `"${name}" must be an integer`);
    return value as number;
  };
  const number = (name: string, value: unknown): number | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new HttpError(400, `"${name}" must be a number`);
    return value;
  };
  const object = (name: string, value: unknown): Record<string, unknown> | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new HttpError(400, `"${name}" must be an object`);
    return value as Record<string, unknown>;
  };
  if (deadLetterTopic !== undefined && (typeof deadLetterTopic !== 'string' || deadLetterTopic === ''))
    throw new HttpError(400, '"deadLetterTopic" must be a topic name');
  const retryObject = object('retry', retry);
  const backoff = object('retry.backoff', retryObject?.backoff);
  if (backoff?.type !== undefined && backoff.type !== 'fixed' && backoff.type !== 'exponential')
    throw new HttpError(400, '"retry.backoff.type" must be "fixed" or "exponential"');
  const defined = <T extends object>(fields: T): Partial<T> =>
    Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
  return {
    lockTimeoutMs: integer('lockTimeoutMs', lockTimeoutMs) ?? null,
    retry: retryObject
      ? defined({
          maxAttempts: integer('retry.maxAttempts', retryObject.maxAttempts),
          backoff: backoff
            ? defined({
                type: backoff.type as 'fixed' | 'exponential' | undefined,
                initialMs: integer('retry.backoff.initialMs', backoff.initialMs),
                multiplier: number('retry.backoff.multiplier', backoff.multiplier),
                maxMs: integer('retry.backoff.maxMs', backoff.maxMs),
                jitter: number('retry.backoff.jitter', backoff.jitter),
              })
            : undefined,
        })
      : null,
    deadLetterTopic: (deadLetterTopic as string | undefined) ?? null,
  };
}
