// The embeddable broker: `new Broker({ dataDir, port: 0 })`, `await broker.start()`, `await broker.stop()`.
export { Broker, createBroker } from './broker.js';
export {
  BrokerConfigError,
  BUILTIN_TOPIC_DEFAULTS,
  formatFlushPolicy,
  parseFlushPolicy,
  resolveBrokerConfig,
} from './config.js';
export type { BrokerConfig, BrokerOptions, TopicDefaults } from './config.js';
export type { SecurityOptions } from './security/config.js';
export type { TlsClientAuth, TlsOptions } from './security/tls/config.js';
export { TOPIC_CONFIG_NAMES } from './registries/topic-config.js';
export { KafkaListenError } from './kafka/index.js';
export { SLUICE_VERSION } from '../version.js';
export type {
  InterceptAction,
  InterceptedRequest,
  InterceptHandle,
  Interceptor,
  InterceptOptions,
  InterceptResult,
} from './interceptors.js';
