// `sluice/client`: the kafkajs-shaped SDK alone (no broker, no storage engine, no pino).
export * from './client/index.js';
export { SLUICE_VERSION } from './version.js';
