// Admin errors name what they are about once. The broker's messages mostly name it already (`topic "orders"
// does not exist`, `no partition orders-3`), some do not (`numPartitions must be between 1 and 10000, got 0`):
// the SDK adds the name only to those, so that a message never reads `orders: topic "orders" does not exist`.

/** `message` about the topic `name`: as it is when it names the topic (quoted), else `topic "name": message`. */
export function aboutTopic(name: string, message: string): string {
  return message.includes(`"${name}"`) || message.includes(`'${name}'`) ? message : `topic "${name}": ${message}`;
}

/** `message` about one partition: as it is when it names `topic-partition`, else `topic-partition: message`. */
export function aboutPartition(topic: string, partition: number, message: string): string {
  const label = `${topic}-${partition}`;
  return message.includes(label) ? message : `${label}: ${message}`;
}
