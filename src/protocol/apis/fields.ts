// Fields several APIs declare alike.
import { array, int, type Struct, string, struct } from '../schema.js';

export const GROUP_ID_MAX = 255;

/** Any string up to 249 four-byte characters; whether the name is legal is the handler's question (it answers
 * INVALID_TOPIC_EXCEPTION per topic, not INVALID_REQUEST for the whole request). */
export const topicName = () => string({ maxLength: 249 * 4 });
export const partitionIndex = () => int({ min: 0 });
export const groupId = () => string({ maxLength: GROUP_ID_MAX });
export const groupInstanceId = () => string({ maxLength: GROUP_ID_MAX, nullableVersions: '0+' });
export const errorCode = () => int();
export const errorMessage = () => string({ nullableVersions: '0+' });
/** The member ids a coordinator hands out. */
export const memberId = () => string({ maxLength: 1024 });
/**
 * Kafka's throttle_time_ms: how long the client should wait before its next request to this broker (its
 * sender is over a quota). The wire fills it in from the quota decision; handlers never set it.
 */
export const throttleTimeMs = () =>
  int({ min: 0, default: 0, doc: 'ms to wait before the next request to this broker (over a quota); 0: none' });

/** The per-topic result of CreateTopics, DeleteTopics and CreatePartitions. */
export const topicResults = () =>
  array(struct({ name: string(), errorCode: errorCode(), errorMessage: errorMessage() }));

/** The `[{ name, partitions: [...] }]` nesting most data APIs share. */
export const topicPartitions = <const P extends Struct>(partition: P) =>
  array(struct({ name: topicName(), partitions: array(struct(partition)) }));
