// The broker's two ways of naming one partition of a topic.

/** A Map key for (topic, partition): \0 cannot occur in a topic name, so the key is unambiguous. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** The partition as messages and logs name it, as Kafka does: "orders-3". */
export function partitionName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}
