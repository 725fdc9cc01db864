// One Kafka API: its key, its request and response definitions, and the versions Sluice serves.
import { type MessageDef, type MessageInput, type MessageValue, parseVersions } from './schema.js';

export interface KafkaApi<Req extends MessageDef = MessageDef, Res extends MessageDef = MessageDef> {
  readonly key: number;
  readonly name: string;
  readonly request: Req;
  readonly response: Res;
  /**
   * The versions the Kafka listener answers and advertises in ApiVersions: a subrange of the definitions'
   * `validVersions`. Low minimums on purpose (librdkafka turns features off when a broker's range misses
   * old versions).
   */
  readonly served: string;
  /** Why this range: which clients send what (for the generated README). */
  readonly why: string;
}

export type RequestOf<A> = A extends KafkaApi<infer Req, MessageDef> ? MessageValue<Req> : never;
export type RequestInputOf<A> = A extends KafkaApi<infer Req, MessageDef> ? MessageInput<Req> : never;
export type ResponseOf<A> = A extends KafkaApi<MessageDef, infer Res> ? MessageValue<Res> : never;
export type ResponseInputOf<A> = A extends KafkaApi<MessageDef, infer Res> ? MessageInput<Res> : never;

export function api<const Req extends MessageDef, const Res extends MessageDef>(
  spec: KafkaApi<Req, Res>,
): KafkaApi<Req, Res> {
  if (spec.request.apiKey !== spec.key || spec.response.apiKey !== spec.key) {
    throw new Error(`${spec.name}: request and response must carry apiKey ${spec.key}`);
  }
  const served = parseVersions(spec.served);
  const valid = parseVersions(spec.request.validVersions);
  if (served.min < valid.min || served.max > valid.max) {
    throw new Error(`${spec.name}: served versions ${spec.served} outside ${spec.request.validVersions}`);
  }
  return Object.freeze(spec);
}
