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
//   { op: 'produce', topic, records: [REST record] }    records as POST …/records:batch entries without their
//                                                       id (results come in order), checked by the same schema:
//                                                       one bad record refuses the whole message (400)
//   { op: 'unsubscribe' }
//   { op: 'auth', token }                               with authentication on: first, unless the upgrade
//                                                       carried an Authorization header (ws-auth.ts)
// Messages with data are checked by JSON schemas (messages.ts) as REST bodies are: unknown fields and wrong
// types are refused (400) with the field named.
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
import { type RecordInput, toProduce } from '../routes/records.js';
import {
  type RecordPositionMessage,
  type SubscribeMessage,
  validateCommit,
  validateProduce,
  validateSettle,
  validateSubscribe,
} from './messages.js';

export const CLOSE_STUCK = 4008;

const SETTLE_OPS: ReadonlySet<string> = new Set(['ack', 'release', 'reject', 'fail', 'renew']);

/** Throws 400 with what `validate` found wrong with `message`; else `message` is of its type (defaults in). */
function check<T>(validate: (data: unknown) => string | null, message: Message): T {
  const invalid = validate(message);
  if (invalid !== null) throw new HttpError(400, `invalid request: ${invalid}`);
  return message as unknown as T;
}

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
    const { topics, group, shareGroup, from, format, maxInFlight, autoCommit } = check<SubscribeMessage>(
      validateSubscribe,
      message,
    );
    if (shareGroup !== undefined && group !== undefined)
      throw new HttpError(400, 'give "group" (a consumer group) or "shareGroup" (a queue), not both');
    for (const topic of topics) this.#auth.require('Read', 'topic', topic);
    if (group !== undefined) this.#auth.require('Read', 'group', group);
    if (shareGroup !== undefined) this.#auth.require('Read', 'group', shareGroup);
    if (shareGroup !== undefined && from !== 'earliest' && from !== 'latest')
      throw new HttpError(400, 'a share group starts from "earliest" or "latest" (where it never read before)');
    const settings = shareGroupSettings(message as unknown as SubscribeMessage);
    if (shareGroup === undefined && settings !== null)
      throw new HttpError(400, '"lockTimeoutMs", "retry" and "deadLetterTopic" are settings of a "shareGroup"');
    for (const topic of topics) this.#core.topic(topic);
    await this.#subscription.subscribe((signal) => {
      if (shareGroup !== undefined)
        return this.#shareMember(signal, topics, shareGroup, maxInFlight, from as 'earliest', format, settings);
      if (group !== undefined)
        return this.#groupMember(signal, topics, group, from === 'earliest', autoCommit === true, format);
      return this.#partitionReads(signal, topics, from, format);
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
    const { topic, partition, offset, error } = check<RecordPositionMessage>(validateSettle, message);
    const share = this.#subscription.current;
    if (!(share instanceof ShareSubscription))
      throw new HttpError(409, `${type} needs a subscription with a "shareGroup"`);
    const reason =
      typeof error === 'string' ? error : type === 'reject' ? 'rejected' : type === 'fail' ? 'failed' : null;
    await share.settle(topic, partition, offset, type, reason);
  }

  async #commit(message: Message): Promise<void> {
    const { topic, partition, offset } = check<RecordPositionMessage>(validateCommit, message);
    const member = this.#subscription.current;
    if (!(member instanceof GroupSubscription)) throw new HttpError(409, 'commit needs a subscription with a "group"');
    await member.commit(topic, partition, offset);
  }

  async #produce(message: Message) {
    const { topic, records } = check<{ topic: string; records: RecordInput[] }>(validateProduce, message);
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
 * when it gives none. Their types were checked with the message (messages.ts); their ranges are the share
 * coordinator's, as for the SDK.
 */
function shareGroupSettings({ lockTimeoutMs, retry, deadLetterTopic }: SubscribeMessage): ShareGroupSettings | null {
  if (lockTimeoutMs === undefined && retry === undefined && deadLetterTopic === undefined) return null;
  return { lockTimeoutMs: lockTimeoutMs ?? null, retry: retry ?? null, deadLetterTopic: deadLetterTopic ?? null };
}
