// The broker's own topics (`__consumer_offsets`, `__activity`): kept by the broker outside the topic
// registry. No client creates, deletes, alters or writes one, through any door, authorization on or off;
// reading one needs an explicit ACL when authorization is on.

/** Names beginning with this are reserved for the broker's internal topics. */
export const INTERNAL_TOPIC_PREFIX = '__';

export function isInternalTopicName(name: string): boolean {
  return name.startsWith(INTERNAL_TOPIC_PREFIX);
}
