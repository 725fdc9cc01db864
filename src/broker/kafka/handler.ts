// What a Kafka handler is. The connection has already read the request header and decoded the body at the
// request's version with the API's definition (src/protocol/kafka/); a handler maps the request onto the
// broker core (topics, partition logs, the group coordinator, producer ids) and returns the response as the
// definition's input type, which the connection encodes at the same version. A handler decodes and
// encodes nothing itself and keeps no state: the core is shared with the native door.
import type { KafkaApi, RequestOf, ResponseInputOf } from '../../protocol/kafka/index.js';
import {
  type BrokerContext,
  type Handler,
  NO_RESPONSE,
  type NoResponse,
  type RequestContext,
} from '../handlers/types.js';
import type { ServedRange } from './unsupported.js';

/** Where Kafka clients are told to connect (Metadata, FindCoordinator): this listener, not the native one. */
export interface KafkaListenerInfo {
  /** The port this listener bound (DescribeConfigs' `listeners` of the broker). */
  readonly port: number;
  readonly advertisedHost: string;
  /** advertisedKafkaPort, else the port the Kafka listener bound. */
  readonly advertisedPort: number;
  /** The API versions this listener serves (the registry's), for ApiVersions. */
  apiVersions(): readonly ServedRange[];
}

/**
 * Per-request facts: the native RequestContext (so a request can be served by the same core calls the
 * native handlers make, fetch's memory budget and read-ahead included), plus the request's version and
 * the listener's advertised address.
 */
export interface KafkaRequestContext extends RequestContext {
  readonly version: number;
  readonly listener: KafkaListenerInfo;
}

export type KafkaResult<A extends KafkaApi> = ResponseInputOf<A> | NoResponse;

export interface KafkaHandler<A extends KafkaApi = KafkaApi> {
  readonly api: A;
  handle(
    request: RequestOf<A>,
    broker: BrokerContext,
    ctx: KafkaRequestContext,
  ): KafkaResult<A> | Promise<KafkaResult<A>>;
}

export function kafkaHandler<A extends KafkaApi>(
  api: A,
  handle: (
    request: RequestOf<A>,
    broker: BrokerContext,
    ctx: KafkaRequestContext,
  ) => KafkaResult<A> | Promise<KafkaResult<A>>,
): KafkaHandler<A> {
  return Object.freeze({ api, handle });
}

/**
 * Serves a request with the native door's handler of the same API (one core, one implementation); the
 * caller maps Kafka's request onto the native one and the answer back. These APIs always answer.
 */
export async function nativeAnswer<Req, Res>(
  handler: Handler<Req, Res>,
  request: Req,
  broker: BrokerContext,
  ctx: RequestContext,
): Promise<Res> {
  const response = await handler.handle(request, broker, ctx);
  if (response === NO_RESPONSE) throw new Error(`${handler.api.name} always has a response`);
  return response as Res;
}
