// A WebSocket subscription with a consumer group: a real group member, an SDK consumer on the broker's
// native listener, so joins, rebalances, assignment and commits are exactly the SDK's. With authentication
// on, the member acts as the socket's principal, with its credentials.
import { type Consumer, logLevel, Sluice } from '../../client/index.js';
import type { SASLOptions } from '../../client/kafkajs-types.js';
import type { HeaderPairs } from '../../records/index.js';
import { type RecordFormat, recordFrame } from './partition-tails.js';
import type { WsSubscription } from './subscription-slot.js';

export interface GroupOutlet {
  send(frame: Buffer, format: RecordFormat): void;
  /** Resolves once the socket can take more; throws once the subscription is stopped. */
  writable(signal: AbortSignal): Promise<void>;
}

export interface GroupSubscriptionOptions {
  nativeAddress: string;
  sasl: SASLOptions | undefined;
  groupId: string;
  topics: string[];
  fromBeginning: boolean;
  autoCommit: boolean;
  format: RecordFormat;
}

/** Thrown from eachMessage once the subscription is stopped: the record was not sent, so it is not committed. */
class Stopped extends Error {}

export class GroupSubscription implements WsSubscription {
  readonly #options: GroupSubscriptionOptions;
  readonly #outlet: GroupOutlet;
  readonly #signal: AbortSignal;
  readonly #consumer: Consumer;

  constructor(options: GroupSubscriptionOptions, outlet: GroupOutlet, signal: AbortSignal) {
    this.#options = options;
    this.#outlet = outlet;
    this.#signal = signal;
    const sluice = new Sluice({
      clientId: 'sluice-ws',
      brokers: [options.nativeAddress],
      logLevel: logLevel.NOTHING,
      sasl: options.sasl,
    });
    this.#consumer = sluice.consumer({ groupId: options.groupId });
  }

  /** Connects, subscribes and runs; a stop asked for meanwhile ends it at the next step. */
  async start(): Promise<void> {
    const { topics, fromBeginning, autoCommit, format } = this.#options;
    await this.#consumer.connect();
    if (this.#signal.aborted) return;
    await this.#consumer.subscribe({ topics, fromBeginning });
    if (this.#signal.aborted) return;
    await this.#consumer.run({
      autoCommit,
      eachMessage: async ({ topic, partition, message }) => {
        await this.#outlet.writable(this.#signal);
        if (this.#signal.aborted) throw new Stopped();
        const headers: HeaderPairs = Object.entries(message.headers ?? {}).flatMap(([name, value]) =>
          (Array.isArray(value) ? value : [value]).map((v): [string, Buffer | null] => [
            name,
            v === undefined || v === null ? null : Buffer.from(v),
          ]),
        );
        const record = {
          partition,
          offset: Number(message.offset),
          timestamp: Number(message.timestamp),
          key: message.key ?? null,
          value: message.value ?? null,
          headers,
        };
        this.#outlet.send(recordFrame(topic, partition, record, format), format);
      },
    });
  }

  /** Leaves the group (committing what was delivered, with autoCommit) and closes the consumer's connections. */
  async stop(): Promise<void> {
    await this.#consumer.disconnect();
  }

  async commit(topic: string, partition: number, offset: number): Promise<void> {
    await this.#consumer.commitOffsets([{ topic, partition, offset: String(offset) }]);
  }
}
