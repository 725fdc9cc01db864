// Request-level instrumentation. Every producer, consumer and admin client has a NetworkSource; its
// connections report each request, timeout and change of the unanswered-request count to it, and it hands
// them to two kinds of listener:
//   - the client's own kafkajs-style REQUEST / REQUEST_TIMEOUT / REQUEST_QUEUE_SIZE listeners
//     (instrumentation.ts sets a hook here while it has listeners for that event);
//   - three node:diagnostics_channel channels, for anything else in the process (metrics, an activity log):
//
//   import { subscribe } from 'node:diagnostics_channel';
//   subscribe('sluice:client:request', ({ client, payload }) => …);
//
// A message is `{ client, source, payload }`: `client` says whose connection it is ('producer' | 'consumer'
// | 'admin'), `source` identifies that client instance, and `payload` has kafkajs's fields:
//   request             { broker, clientId, correlationId, size, createdAt, sentAt, pendingDuration,
//                         duration, apiName, apiKey, apiVersion } — once the response arrived (size: its bytes)
//                         or, for a request that gets no response (acks=0), once written (size 0)
//   request_timeout     { broker, clientId, correlationId, createdAt, sentAt, pendingDuration, apiName,
//                         apiKey, apiVersion }
//   request_queue_size  { broker, clientId, queueSize } — requests sent on that connection and not yet
//                         answered, whenever the number changes. Sluice writes every request at once (the
//                         broker bounds how many it serves at a time), so this counts kafkajs's queue plus
//                         its in-flight requests.
// createdAt is when the request was made, sentAt when it was written: pendingDuration is the time it waited
// for a throttle the broker asked for (client-side throttling, connection.ts), else 0.
//
// With neither kind listening, a connection pays one check per request (`wantsRequests`) and builds nothing.
// The client's listeners are not channel subscribers on purpose: a channel holds its subscribers for the
// life of the process, so a discarded client with listeners attached would never be collected.
import { channel } from 'node:diagnostics_channel';

export const REQUEST_CHANNEL = 'sluice:client:request';
export const REQUEST_TIMEOUT_CHANNEL = 'sluice:client:request_timeout';
export const REQUEST_QUEUE_SIZE_CHANNEL = 'sluice:client:request_queue_size';

const requestChannel = channel(REQUEST_CHANNEL);
const requestTimeoutChannel = channel(REQUEST_TIMEOUT_CHANNEL);
const requestQueueSizeChannel = channel(REQUEST_QUEUE_SIZE_CHANNEL);

export type ClientKind = 'producer' | 'consumer' | 'admin';

export interface RequestPayload {
  broker: string;
  clientId: string;
  correlationId: number;
  size: number;
  createdAt: number;
  sentAt: number;
  pendingDuration: number;
  duration: number;
  apiName: string;
  apiKey: number;
  apiVersion: number;
}

export type RequestTimeoutPayload = Omit<RequestPayload, 'size' | 'duration'>;

export interface RequestQueueSizePayload {
  broker: string;
  clientId: string;
  queueSize: number;
}

type Hook<P> = ((payload: P) => void) | null;

/** One producer, consumer or admin client, as its connections report to it and channel messages name it. */
export class NetworkSource {
  #onRequest: Hook<RequestPayload> = null;
  #onTimeout: Hook<RequestTimeoutPayload> = null;
  #onQueueSize: Hook<RequestQueueSizePayload> = null;

  constructor(readonly client: ClientKind) {}

  /** Whether a request's send time is worth taking (someone wants requests or timeouts). */
  get wantsRequests(): boolean {
    return (
      this.#onRequest !== null ||
      this.#onTimeout !== null ||
      requestChannel.hasSubscribers ||
      requestTimeoutChannel.hasSubscribers
    );
  }

  get wantsQueueSize(): boolean {
    return this.#onQueueSize !== null || requestQueueSizeChannel.hasSubscribers;
  }

  request(payload: RequestPayload): void {
    this.#onRequest?.(payload);
    if (requestChannel.hasSubscribers) requestChannel.publish(this.#message(payload));
  }

  requestTimeout(payload: RequestTimeoutPayload): void {
    this.#onTimeout?.(payload);
    if (requestTimeoutChannel.hasSubscribers) requestTimeoutChannel.publish(this.#message(payload));
  }

  queueSize(payload: RequestQueueSizePayload): void {
    this.#onQueueSize?.(payload);
    if (requestQueueSizeChannel.hasSubscribers) requestQueueSizeChannel.publish(this.#message(payload));
  }

  /** Sets (or clears, with null) the client's own listener of one kind of network event. */
  listen(channelName: string, hook: ((payload: any) => void) | null): void {
    if (channelName === REQUEST_CHANNEL) this.#onRequest = hook;
    else if (channelName === REQUEST_TIMEOUT_CHANNEL) this.#onTimeout = hook;
    else if (channelName === REQUEST_QUEUE_SIZE_CHANNEL) this.#onQueueSize = hook;
  }

  #message<P>(payload: P): NetworkMessage<P> {
    return { client: this.client, source: this, payload };
  }
}

export interface NetworkMessage<P> {
  client: ClientKind;
  source: NetworkSource;
  payload: P;
}

/** kafkajs's three network event names of a client: `producer.network.request`, … */
export function networkEvents<P extends ClientKind>(prefix: P) {
  return {
    REQUEST: `${prefix}.network.request`,
    REQUEST_TIMEOUT: `${prefix}.network.request_timeout`,
    REQUEST_QUEUE_SIZE: `${prefix}.network.request_queue_size`,
  } as {
    REQUEST: `${P}.network.request`;
    REQUEST_TIMEOUT: `${P}.network.request_timeout`;
    REQUEST_QUEUE_SIZE: `${P}.network.request_queue_size`;
  };
}

/** The channel an event name (`admin.network.request_timeout`) is fed from, or undefined. */
export function channelOfEvent(eventName: string): string | undefined {
  if (eventName.endsWith('.network.request')) return REQUEST_CHANNEL;
  if (eventName.endsWith('.network.request_timeout')) return REQUEST_TIMEOUT_CHANNEL;
  if (eventName.endsWith('.network.request_queue_size')) return REQUEST_QUEUE_SIZE_CHANNEL;
  return undefined;
}
