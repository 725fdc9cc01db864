// The Kafka wire-protocol listener (README.md in this folder).
export { KafkaListenError, KafkaServer } from './server.js';
