// Kafka frames: an int32 big-endian size, then the payload — a request header and body, or a response
// header and body. The outer layer is the native protocol's (a u32 length before a payload), so the
// native FrameDecoder reassembles Kafka frames too and refuses an oversized size before allocating.
import { DEFAULT_MAX_FRAME_BYTES, FrameDecoder } from '../framing.js';
import type { KafkaApi } from './api.js';
import { decodeMessage, isFlexible, messageCodec, writeMessage } from './codec.js';
import { RequestHeader, ResponseHeader } from './headers.js';
import { kafkaApi } from './messages/index.js';
import { KafkaDecodeError, Reader } from './reader.js';
import type { MessageInput, MessageValue } from './schema.js';
import { Writer } from './writer.js';

/** Kafka's own default for `socket.request.max.bytes` is the same 100 MiB. */
export const DEFAULT_MAX_KAFKA_FRAME_BYTES = DEFAULT_MAX_FRAME_BYTES;
const API_VERSIONS_KEY = 18;

/** Reassembles Kafka frames from socket chunks; yields payloads (the bytes after the size). A size above
 * `maxFrameBytes` (a negative int32 reads as one) throws FramingError before anything is allocated. */
export function kafkaFrameDecoder(maxFrameBytes = DEFAULT_MAX_KAFKA_FRAME_BYTES): FrameDecoder {
  return new FrameDecoder(maxFrameBytes);
}

export interface KafkaRequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

/**
 * Request header version: v2 when the API's request is flexible at that version (a version past the
 * definitions counts as flexible if the flexible range is open, as Kafka reads a newer ApiVersions request),
 * v1 otherwise and for unknown APIs (the header's first 8 bytes are the same in every version).
 */
export function requestHeaderVersion(apiKey: number, apiVersion: number): 1 | 2 {
  const api = kafkaApi(apiKey);
  return api && isFlexible(api.request, apiVersion) ? 2 : 1;
}

/** Response header version: v1 for flexible responses, except ApiVersions (always v0). */
export function responseHeaderVersion(apiKey: number, apiVersion: number): 0 | 1 {
  const api = kafkaApi(apiKey);
  return api && apiKey !== API_VERSIONS_KEY && isFlexible(api.response, apiVersion) ? 1 : 0;
}

/** Reads a request payload's header; the body starts at `bodyOffset`. */
export function readRequestHeader(payload: Buffer): { header: KafkaRequestHeader; bodyOffset: number } {
  if (payload.length < 8) {
    throw new KafkaDecodeError(`a request of ${payload.length} bytes has no room for its header`, 0);
  }
  const version = requestHeaderVersion(payload.readInt16BE(0), payload.readInt16BE(2));
  const r = new Reader(payload);
  const h = messageCodec(RequestHeader, version).read(r) as MessageValue<typeof RequestHeader>;
  return {
    header: {
      apiKey: h.requestApiKey,
      apiVersion: h.requestApiVersion,
      correlationId: h.correlationId,
      clientId: h.clientId,
    },
    bodyOffset: r.offset,
  };
}

/** Decodes a request body at the version its header names (a version the definitions have). */
export function decodeRequestBody<A extends KafkaApi>(
  api: A,
  version: number,
  payload: Buffer,
  bodyOffset: number,
): MessageValue<A['request']> {
  return decodeMessage(api.request, version, payload, bodyOffset) as MessageValue<A['request']>;
}

const frameWriter = new Writer();

function frame(write: (w: Writer) => void): Buffer[] {
  const w = frameWriter.reset();
  try {
    w.int32(0);
    write(w);
    w.patchInt32(0, w.length - 4);
    return w.finish();
  } finally {
    w.reset();
  }
}

/**
 * A whole response frame (size, header, body) as chunks for one writev: the written bytes, with each records
 * field's buffers as chunks of their own.
 */
export function encodeResponseFrame<A extends KafkaApi>(
  api: A,
  version: number,
  correlationId: number,
  body: MessageInput<A['response']>,
): Buffer[] {
  const headerVersion = responseHeaderVersion(api.key, version);
  const codec = messageCodec(api.response, version);
  return frame((w) => {
    writeMessage(ResponseHeader, headerVersion, { correlationId }, w);
    codec.write(w, body);
  });
}

/** A whole request frame (size, header, body): what a client sends (tests, tools). */
export function encodeRequestFrame<A extends KafkaApi>(
  api: A,
  version: number,
  header: { correlationId: number; clientId: string | null },
  body: MessageInput<A['request']>,
): Buffer[] {
  const headerVersion = requestHeaderVersion(api.key, version);
  const codec = messageCodec(api.request, version);
  return frame((w) => {
    writeMessage(
      RequestHeader,
      headerVersion,
      {
        requestApiKey: api.key,
        requestApiVersion: version,
        correlationId: header.correlationId,
        clientId: header.clientId,
      },
      w,
    );
    codec.write(w, body);
  });
}

/** Decodes a response payload (the bytes after the size) of a request sent at `version`. */
export function decodeResponsePayload<A extends KafkaApi>(
  api: A,
  version: number,
  payload: Buffer,
): { correlationId: number; body: MessageValue<A['response']> } {
  const r = new Reader(payload);
  const { correlationId } = messageCodec(ResponseHeader, responseHeaderVersion(api.key, version)).read(r) as {
    correlationId: number;
  };
  return {
    correlationId,
    body: decodeMessage(api.response, version, payload, r.offset) as MessageValue<A['response']>,
  };
}
