// The native wire protocol: framing, error table, validators and one file per API under apis/.
export * from './api-keys.js';
export * from './apis/index.js';
export * from './errors.js';
export * from './framing.js';
export * from './msgpack-bounds.js';
export { isValidTopicName, TOPIC_NAME_PATTERN, TOPIC_NAME_RULE } from '../../storage/format/topic-name.js';
