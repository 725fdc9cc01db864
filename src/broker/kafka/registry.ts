// The Kafka handler registry: one handler per API key, each serving its API's `served` versions
// (src/protocol/kafka/messages/). ApiVersions advertises exactly these; anything else is answered
// UNSUPPORTED_VERSION (unsupported.ts).
import { parseVersions } from '../../protocol/kafka/index.js';
import type { KafkaHandler } from './handler.js';
import type { ServedRange } from './unsupported.js';

export class KafkaHandlerRegistry {
  private readonly byKey = new Map<number, { handler: KafkaHandler; min: number; max: number }>();
  private readonly ranges: readonly ServedRange[];

  constructor(handlers: readonly KafkaHandler[]) {
    for (const handler of handlers) {
      const { key, name, served } = handler.api;
      if (this.byKey.has(key)) throw new Error(`two Kafka handlers for ${name} (${key})`);
      const { min, max } = parseVersions(served);
      this.byKey.set(key, { handler, min, max });
    }
    this.ranges = Object.freeze(
      [...this.byKey.entries()]
        .map(([apiKey, { min, max }]) => ({ apiKey, minVersion: min, maxVersion: max }))
        .sort((a, b) => a.apiKey - b.apiKey),
    );
  }

  /** The handler of this API at this version, or undefined (UNSUPPORTED_VERSION). */
  route(apiKey: number, apiVersion: number): KafkaHandler | undefined {
    const entry = this.byKey.get(apiKey);
    return entry && apiVersion >= entry.min && apiVersion <= entry.max ? entry.handler : undefined;
  }

  versions(): readonly ServedRange[] {
    return this.ranges;
  }
}
