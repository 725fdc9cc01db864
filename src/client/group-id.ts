// Group ids as the broker takes them: a non-empty string of at most GROUP_ID_MAX characters (the protocol's
// bound on every groupId field). Checked when a consumer is created, so a bad one fails there, as in
// kafkajs, rather than at the first JoinGroup or OffsetCommit.
import { GROUP_ID_MAX } from '../protocol/apis/fields.js';
import { SluiceNonRetriableError } from './errors.js';

/** Throws a KafkaJSNonRetriableError naming `field` unless `value` is a group id the broker accepts. */
export function assertGroupId(value: unknown, field: string): asserts value is string {
  if (typeof value === 'string' && value.length > 0 && value.length <= GROUP_ID_MAX) return;
  const got =
    typeof value !== 'string'
      ? `got ${value === null ? 'null' : typeof value}`
      : value.length === 0
        ? 'got an empty string'
        : `got ${value.length} characters`;
  throw new SluiceNonRetriableError(
    `${field} must be a non-empty string of at most ${GROUP_ID_MAX} characters, ${got}`,
  );
}
