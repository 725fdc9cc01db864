// API keys. Numbers follow Kafka's where Kafka has the same API, for familiarity in logs and tools.
import type { MessageDef, MessageValue } from './schema.js';
import { encodeResponseFrame } from './framing.js';
import { bodyReader } from './schema-byte-reader.js';
import { responseFrameWriter } from './schema-byte-writer.js';
import { messageCodec } from './schema-codec.js';
import { parseVersions } from './versions.js';

export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  SaslHandshake: 17,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  DeleteRecords: 21,
  InitProducerId: 22,
  // Transactions: Kafka's numbers.
  AddPartitionsToTxn: 24,
  AddOffsetsToTxn: 25,
  EndTxn: 26,
  TxnOffsetCommit: 28,
  DescribeAcls: 29,
  CreateAcls: 30,
  DeleteAcls: 31,
  DescribeConfigs: 32,
  AlterConfigs: 33,
  Authenticate: 36,
  CreatePartitions: 37,
  DeleteGroups: 42,
  ElectLeaders: 43,
  IncrementalAlterConfigs: 44,
  AlterPartitionReassignments: 45,
  ListPartitionReassignments: 46,
  DescribeClientQuotas: 48,
  AlterClientQuotas: 49,
  DescribeUserScramCredentials: 50,
  AlterUserScramCredentials: 51,
  DescribeTransactions: 65,
  ListTransactions: 66,
  // Share groups (queues on the log): Kafka's numbers for KIP-932's APIs; list and delete have no Kafka
  // API of their own (Kafka folds them into ListGroups/DeleteGroups), so they take numbers of Sluice's own.
  ShareGroupHeartbeat: 76,
  ShareGroupDescribe: 77,
  ShareFetch: 78,
  ShareAcknowledge: 79,
  AlterShareGroupOffsets: 91,
  ListShareGroups: 1000,
  DeleteShareGroups: 1001,
  // A caught-up consumer's standing fetch (Sluice's own): records pushed as they are appended, against credit.
  FetchPush: 1010,
  FetchPushCredit: 1011,
  // Broker to broker (replication, cluster mode): 1100-1199. OffsetForLeaderEpoch has Kafka's semantics
  // (Kafka's key 23) on a number of this range, with the other broker-to-broker APIs.
  ReplicaFetch: 1100,
  OffsetForLeaderEpoch: 1101,
  // Transactions across brokers (cluster mode): markers to partition leaders, a committed transaction's
  // offsets to the group coordinator, a partition leader's check that a transactional write was added.
  WriteTxnMarkers: 1170,
  WriteTxnOffsets: 1171,
  VerifyTxnWrite: 1172,
} as const;

export type ApiKeyName = keyof typeof ApiKey;
export type ApiKeyValue = (typeof ApiKey)[ApiKeyName];

/** Body and tail as they go on the wire. */
export interface EncodedMessage {
  body: unknown;
  tail: Buffer[];
}

/**
 * One protocol API: its types live in its own file under apis/, with these four functions.
 * encode* turn a typed value into wire body + tail; decode* validate an untrusted body + tail.
 */
export interface ApiSpec<Request, Response> {
  readonly key: ApiKeyValue;
  readonly name: ApiKeyName;
  readonly minVersion: number;
  readonly maxVersion: number;
  encodeRequest(request: Request): EncodedMessage;
  decodeRequest(body: unknown, tail: Buffer, version: number): Request;
  /**
   * The request read straight from the header's msgpack bytes (its body from `bodyStart` to the end; see
   * framing.ts locateRequestBody), or undefined when these bytes are for decodeRequest. Never throws.
   */
  decodeRequestFrom?(header: Buffer, bodyStart: number, tail: Buffer, version: number): Request | undefined;
  encodeResponse(response: Response): EncodedMessage;
  /**
   * The response's whole frame ([prefix + header, ...tail]) written straight from the value, the same bytes as
   * framing.ts encodeResponseFrame(correlationId, ...encodeResponse(response)) (schema-byte-writer.ts).
   */
  encodeResponseFrame?(correlationId: number, response: Response): Buffer[];
  decodeResponse(body: unknown, tail: Buffer, version: number): Response;
  /**
   * The response read straight from the header's msgpack bytes (its body from `bodyStart` to the end; see
   * framing.ts locateResponseBody), or undefined when these bytes are for decodeResponse. Never throws.
   */
  decodeResponseFrom?(header: Buffer, bodyStart: number, tail: Buffer, version: number): Response | undefined;
}

/**
 * An API defined as data: its request and response definitions (schema.ts), from which its four functions
 * are compiled (schema-codec.ts) and its types derived. The served versions are the request's validVersions.
 */
export interface NativeApi<Req extends MessageDef = MessageDef, Res extends MessageDef = MessageDef>
  extends ApiSpec<MessageValue<Req>, MessageValue<Res>> {
  readonly request: Req;
  readonly response: Res;
  encodeResponseFrame(correlationId: number, response: MessageValue<Res>): Buffer[];
}

/** Any API of the registry, whatever its types. */
export type AnyNativeApi = ApiSpec<any, any> & { readonly request: MessageDef; readonly response: MessageDef };

export function defineApi<const Req extends MessageDef, const Res extends MessageDef>(spec: {
  key: ApiKeyValue;
  name: ApiKeyName;
  request: Req;
  response: Res;
}): NativeApi<Req, Res> {
  const { key, name, request, response } = spec;
  if (request.apiKey !== key || response.apiKey !== key || request.type !== 'request' || response.type !== 'response') {
    throw new Error(`${name}: a request and a response definition with apiKey ${key} are needed`);
  }
  if (request.validVersions !== response.validVersions) {
    throw new Error(`${name}: request and response must have the same versions`);
  }
  const versions = parseVersions(request.validVersions);
  // Encoders take no version today (every API has one): they write the newest.
  const maxVersion = versions.max;
  return Object.freeze({
    key,
    name,
    minVersion: versions.min,
    maxVersion,
    request,
    response,
    encodeRequest: (value: MessageValue<Req>) => messageCodec(request, maxVersion).encode(value),
    decodeRequest: (body: unknown, tail: Buffer, version: number) =>
      messageCodec(request, version).decode(body, tail) as MessageValue<Req>,
    decodeRequestFrom: (header: Buffer, bodyStart: number, tail: Buffer, version: number) =>
      bodyReader(request, version)?.(header, bodyStart, tail) as MessageValue<Req> | undefined,
    encodeResponse: (value: MessageValue<Res>) => messageCodec(response, maxVersion).encode(value),
    encodeResponseFrame: (correlationId: number, value: MessageValue<Res>) => {
      const frame = responseFrameWriter(response, maxVersion)(correlationId, value);
      if (frame) return frame;
      const { body, tail } = messageCodec(response, maxVersion).encode(value);
      return encodeResponseFrame(correlationId, body, tail);
    },
    decodeResponse: (body: unknown, tail: Buffer, version: number) =>
      messageCodec(response, version).decode(body, tail) as MessageValue<Res>,
    decodeResponseFrom: (header: Buffer, bodyStart: number, tail: Buffer, version: number) =>
      bodyReader(response, version)?.(header, bodyStart, tail) as MessageValue<Res> | undefined,
  });
}
