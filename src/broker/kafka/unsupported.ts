// Answers to requests no handler serves, and error answers built from a response definition alone.
//
// ApiVersions at a version this listener does not serve (librdkafka opens with the newest it knows) is
// answered as Kafka does (KIP-511): a v0 body, error UNSUPPORTED_VERSION (35) and the full list of ranges,
// so the client retries at the highest version both sides have. Any other API or version gets
// UNSUPPORTED_VERSION too, never a dropped connection: in the API's own response shape when the
// definitions know that version and its response has a top-level error code, else as a bare error code
// after the correlation id (what a client can read of any response before it gives up on the request).
import { ErrorCode } from '../../protocol/index.js';
import {
  ApiVersions,
  encodeResponseFrame,
  hasVersion,
  kafkaApi,
  responseHeaderVersion,
  Writer,
} from '../../protocol/kafka/index.js';

export interface ServedRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/** The API's response at `version` with every field at its default and the top-level error code set, or null. */
export function errorResponseFrame(
  apiKey: number,
  version: number,
  correlationId: number,
  errorCode: number,
): Buffer[] | null {
  const api = kafkaApi(apiKey);
  if (!api || !hasVersion(api.response, version) || !('errorCode' in api.response.fields)) return null;
  return encodeResponseFrame(api, version, correlationId, { errorCode } as never);
}

export function unsupportedFrame(
  apiKey: number,
  version: number,
  correlationId: number,
  served: readonly ServedRange[],
): Buffer[] {
  if (apiKey === ApiVersions.key) {
    return encodeResponseFrame(ApiVersions, 0, correlationId, {
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      apiKeys: [...served],
    });
  }
  const shaped = errorResponseFrame(apiKey, version, correlationId, ErrorCode.UNSUPPORTED_VERSION);
  if (shaped) return shaped;
  const api = kafkaApi(apiKey);
  const flexibleHeader = api && hasVersion(api.response, version) && responseHeaderVersion(apiKey, version) === 1;
  const w = new Writer();
  w.int32(0);
  w.int32(correlationId);
  if (flexibleHeader) w.uvarint(0); // the response header's empty tagged-field section
  w.int16(ErrorCode.UNSUPPORTED_VERSION);
  w.patchInt32(0, w.length - 4);
  return w.finish();
}
