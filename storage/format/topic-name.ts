// Topic names, as Kafka allows them: 1..249 characters of [a-zA-Z0-9._-], neither '.' nor '..'. One rule for
// the whole project: storage (a topic's partitions are directories named `<topic>-<partition>`), the broker
// (INVALID_TOPIC_EXCEPTION) and the SDK read it here; it is pure code, as everything under storage/format/.

export const TOPIC_NAME_PATTERN = /^[a-zA-Z0-9._-]{1,249}$/;

/** The rule in words, for error messages. */
export const TOPIC_NAME_RULE = '1..249 characters of [a-zA-Z0-9._-] (nor "." or "..")';

export function isValidTopicName(name: string): boolean {
  return TOPIC_NAME_PATTERN.test(name) && name !== '.' && name !== '..';
}
