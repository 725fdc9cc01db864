// The key of one partition in the client's maps and sets: topic NUL partition. A topic name never holds
// NUL, so two partitions never share a key, and the last NUL splits a key back into its parts.

export function topicPartitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** The topic and partition of a key made by topicPartitionKey. */
export function splitTopicPartitionKey(key: string): [topic: string, partition: number] {
  const i = key.lastIndexOf('\u0000');
  return [key.slice(0, i), Number(key.slice(i + 1))];
}
