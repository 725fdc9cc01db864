// kafkajs-style instrumentation events: `on(eventName, listener)` returns a function that removes the
// listener; an unknown event name is refused (KafkaJSNonRetriableError), as kafkajs does. Events are
// emitted only while someone listens. Network events (`*.network.request`, …) come from the client's
// connections through its NetworkSource (network-events.ts), which the emitter hooks into only while it
// has listeners for that event.
import { SluiceNonRetriableError } from './errors.js';
import type { Logger } from './logger.js';
import {
  channelOfEvent,
  type NetworkSource,
  type RequestPayload,
  type RequestQueueSizePayload,
  type RequestTimeoutPayload,
} from './network-events.js';

export interface InstrumentationEvent<T> {
  id: string;
  type: string;
  timestamp: number;
  payload: T;
}

export type RemoveInstrumentationEventListener<_T = string> = () => void;

export type ConnectEvent = InstrumentationEvent<null>;
export type DisconnectEvent = InstrumentationEvent<null>;
export type RequestEvent = InstrumentationEvent<RequestPayload>;
export type RequestTimeoutEvent = InstrumentationEvent<RequestTimeoutPayload>;
export type RequestQueueSizeEvent = InstrumentationEvent<RequestQueueSizePayload>;

let nextId = 0;

type Listener = (event: InstrumentationEvent<any>) => void;

export class InstrumentationEmitter<Names extends string> {
  readonly #listeners = new Map<string, Set<Listener>>();

  constructor(
    private readonly known: readonly Names[],
    private readonly logger: Logger,
    private readonly network?: NetworkSource,
  ) {}

  on(eventName: Names, listener: Listener): RemoveInstrumentationEventListener<Names> {
    if (!this.known.includes(eventName)) {
      throw new SluiceNonRetriableError(`Event name should be one of ${this.known.join(', ')}, not "${eventName}"`);
    }
    let set = this.#listeners.get(eventName);
    if (!set) this.#listeners.set(eventName, (set = new Set()));
    set.add(listener);
    if (set.size === 1) this.#feed(eventName);
    return () => {
      if (set.delete(listener) && set.size === 0) this.#unfeed(eventName);
    };
  }

  /** Whether `type` has a listener: check before building a payload that costs something. */
  listening(type: Names): boolean {
    const set = this.#listeners.get(type);
    return set !== undefined && set.size > 0;
  }

  emit<T>(type: Names, payload: T): void {
    const set = this.#listeners.get(type);
    if (!set || set.size === 0) return;
    const event: InstrumentationEvent<T> = { id: String(nextId++), type, timestamp: Date.now(), payload };
    for (const listener of set) {
      try {
        listener(event as InstrumentationEvent<unknown>);
      } catch (err) {
        this.logger.error(`listener for ${type} threw`, { error: (err as Error).message });
      }
    }
  }

  /** Network events reach the emitter only while they have listeners (see network-events.ts). */
  #feed(eventName: Names): void {
    const channel = channelOfEvent(eventName);
    if (channel) this.network?.listen(channel, (payload: unknown) => this.emit(eventName, payload));
  }

  #unfeed(eventName: string): void {
    const channel = channelOfEvent(eventName);
    if (channel) this.network?.listen(channel, null);
  }
}
