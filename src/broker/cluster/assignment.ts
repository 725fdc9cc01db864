// Replica placement for a new partition (Kafka's AdminUtils without racks): the live brokers in id order,
// partition p of a topic starting at (start + p) and taking the next replicationFactor brokers round the
// ring, `start` derived from the topic name so topics spread their first leaders over different brokers.
// The first replica is the preferred leader.

export function assignReplicas(
  topic: string,
  partition: number,
  brokerIds: readonly number[],
  replicationFactor: number,
): number[] {
  const ids = [...brokerIds].sort((a, b) => a - b);
  if (replicationFactor > ids.length)
    throw new RangeError(`replication factor ${replicationFactor} is larger than the ${ids.length} live brokers`);
  const start = (nameHash(topic) + partition) % ids.length;
  const replicas: number[] = [];
  for (let i = 0; i < replicationFactor; i++) replicas.push(ids[(start + i) % ids.length]!);
  return replicas;
}

/** A small stable hash (FNV-1a) of the topic name. */
function nameHash(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
