// kafkajs-style instrumentation events: `on(eventName, listener)` returns a function that removes the
// listener. Only lifecycle events are emitted for now (connect, disconnect, stop, crash, …).
import type { Logger } from './logger.js';

export interface InstrumentationEvent<T> {
  id: string;
  type: string;
  timestamp: number;
  payload: T;
}

export type RemoveInstrumentationEventListener = () => void;

let nextId = 0;

export class InstrumentationEmitter<Names extends string> {
  private readonly listeners = new Map<string, Set<(event: InstrumentationEvent<unknown>) => void>>();

  constructor(
    private readonly known: readonly Names[],
    private readonly logger: Logger,
  ) {}

  on(eventName: Names, listener: (event: InstrumentationEvent<any>) => void): RemoveInstrumentationEventListener {
    if (!this.known.includes(eventName)) {
      throw new TypeError(`event name "${eventName}" is not one of ${this.known.join(', ')}`);
    }
    let set = this.listeners.get(eventName);
    if (!set) this.listeners.set(eventName, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<T>(type: Names, payload: T): void {
    const set = this.listeners.get(type);
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
}
