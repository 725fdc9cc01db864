// The DLQ commands' view of a dead-lettered record: the failure headers of src/client/share/dead-letters.ts
// read from an SDK message (kafkajs's header object).
import {
  failureOf as failureOfHeaders,
  type Failure,
  headerText,
  isDeadLettered as carriesFailure,
} from '../../src/client/share/dead-letters.js';
import { headerPairs } from '../lib/records.js';
import type { KafkaMessage } from '../lib/sdk.js';

export { hasDlqName, isDlqHeader, REQUEUE_GROUP, type Failure } from '../../src/client/share/dead-letters.js';

export function failureOf(message: KafkaMessage): Failure {
  return failureOfHeaders(headerPairs(message.headers));
}

/** A record a share group dead-lettered carries at least the source-topic header. */
export function isDeadLettered(message: KafkaMessage): boolean {
  return carriesFailure(headerPairs(message.headers));
}

/** The value of a header by name, for --filter: the last one if repeated, null if absent. */
export function headerValue(message: KafkaMessage, name: string): string | null {
  return headerText(headerPairs(message.headers), name);
}
