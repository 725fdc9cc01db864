// API keys. Numbers follow Kafka's where Kafka has the same API, for familiarity in logs and tools.
import { refuseTail } from './apis/tail.js';

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
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  DeleteRecords: 21,
  InitProducerId: 22,
  DescribeConfigs: 32,
  AlterConfigs: 33,
  Authenticate: 36,
  CreatePartitions: 37,
  DeleteGroups: 42,
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
  encodeResponse(response: Response): EncodedMessage;
  decodeResponse(body: unknown, tail: Buffer, version: number): Response;
}

/** Helper for APIs with no tail in either direction: encoding is the value itself. */
export function plainApi<Req, Res>(
  key: ApiKeyValue,
  name: ApiKeyName,
  decodeRequest: (body: unknown) => Req,
  decodeResponse: (body: unknown) => Res,
  versions = { min: 0, max: 0 },
): ApiSpec<Req, Res> {
  return {
    key,
    name,
    minVersion: versions.min,
    maxVersion: versions.max,
    encodeRequest: (request) => ({ body: request, tail: [] }),
    decodeRequest: (body, tail) => {
      refuseTail(tail, name);
      return decodeRequest(body);
    },
    encodeResponse: (response) => ({ body: response, tail: [] }),
    decodeResponse: (body) => decodeResponse(body),
  };
}
