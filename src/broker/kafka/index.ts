// The Kafka wire-protocol listener (README.md in this folder).
export type { KafkaListenerInfo } from './handler.js';
export { KAFKA_HANDLERS } from './handlers/index.js';
export { KafkaListenError } from './listen-error.js';
export { KafkaHandlerRegistry } from './registry.js';
export { KafkaWire } from './wire.js';
