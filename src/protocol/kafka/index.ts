// Kafka's binary protocol as data: message definitions (messages/), the field vocabulary (schema.ts), the
// interpreter that encodes and decodes them (codec.ts over reader.ts and writer.ts), headers and framing.
export * from './api.js';
export {
  decodeMessage,
  defaultValue,
  encodeMessage,
  hasVersion,
  isDefault,
  isFlexible,
  messageCodec,
  writeMessage,
} from './codec.js';
export * from './frames.js';
export * from './headers.js';
export * from './messages/index.js';
export { KafkaDecodeError, Reader } from './reader.js';
export * from './schema.js';
export { KafkaEncodeError, Writer } from './writer.js';
