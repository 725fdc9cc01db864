// The JSON values kept under the cluster's etcd keys (keys.ts), and their parsing: a value this broker
// cannot read is ignored with a log line by its reader, never trusted half-read.

/** A live broker's addresses, under /brokers/<id>, tied to the broker's lease. */
export interface BrokerRecord {
  id: number;
  host: string;
  /** The native protocol's port. */
  port: number;
  /** The Kafka listener's port, or null without one. */
  kafkaPort: number | null;
}

/** Who the controller is, under /controller, tied to the controller's lease. */
export interface ControllerRecord {
  brokerId: number;
}

/**
 * A topic as asked for by CreateTopics, under /topics/<name>; AlterConfigs and CreatePartitions replace it
 * (compare-and-swap on its revision), DeleteTopics marks it `deleting` for the controller to remove. The
 * key's createRevision is the topic's incarnation: a topic deleted and created again has a new one.
 */
export interface TopicSpec {
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
  /** DeleteTopics asked for its removal: the controller deletes its keys, every broker its local logs. */
  deleting?: boolean;
}

/**
 * One partition's replication state, under /partitions/<topic>/<p>: written by the controller only, each
 * write a compare-and-swap on the revision it read (so two controllers can never both win).
 * leader -1: offline (no live replica of the ISR). leaderEpoch grows by one at every leader change.
 */
export interface PartitionState {
  replicas: number[];
  leader: number;
  leaderEpoch: number;
  isr: number[];
}

/**
 * An operator's leader election, under /elect-leaders/<request>: the partitions, or null for all; preferred
 * (absent: preferred) or unclean (an offline partition led by any live replica, ElectLeaders' UNCLEAN).
 */
export interface ElectLeadersRequest {
  partitions: Array<{ topic: string; partition: number }> | null;
  type?: 'preferred' | 'unclean';
}

/**
 * An operator's partition reassignment, under /reassignments/<topic>/<p>: the replica set wanted (its first
 * the preferred leader), and the bytes per second the leader serves the new replicas while they catch up
 * (null: unthrottled).
 */
export interface ReassignmentRequest {
  replicas: number[];
  throttleBytesPerSecond: number | null;
  /** The replica set when the reassignment began (ListPartitionReassignments' adding/removing; cancellation's target). */
  originalReplicas?: number[];
}

const isNodeId = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isNodeList = (v: unknown): v is number[] => Array.isArray(v) && v.every(isNodeId);

function object(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export function parseBrokerRecord(text: string): BrokerRecord | undefined {
  const v = object(text);
  if (!v || !isNodeId(v.id) || typeof v.host !== 'string' || !isNodeId(v.port)) return undefined;
  if (v.kafkaPort !== null && !isNodeId(v.kafkaPort)) return undefined;
  return { id: v.id, host: v.host, port: v.port, kafkaPort: v.kafkaPort };
}

export function parseControllerRecord(text: string): ControllerRecord | undefined {
  const v = object(text);
  return v && isNodeId(v.brokerId) ? { brokerId: v.brokerId } : undefined;
}

export function parseTopicSpec(text: string): TopicSpec | undefined {
  const v = object(text);
  if (!v || !Number.isInteger(v.partitions) || (v.partitions as number) < 1) return undefined;
  if (!Number.isInteger(v.replicationFactor) || (v.replicationFactor as number) < 1) return undefined;
  const configs = v.configs;
  if (configs === null || typeof configs !== 'object' || Array.isArray(configs)) return undefined;
  if (!Object.values(configs).every((c) => typeof c === 'string')) return undefined;
  if (v.deleting !== undefined && typeof v.deleting !== 'boolean') return undefined;
  return {
    partitions: v.partitions as number,
    replicationFactor: v.replicationFactor as number,
    configs: configs as Record<string, string>,
    ...(v.deleting === true ? { deleting: true } : {}),
  };
}

export function parsePartitionState(text: string): PartitionState | undefined {
  const v = object(text);
  if (!v || !isNodeList(v.replicas) || !isNodeList(v.isr) || !Number.isInteger(v.leader)) return undefined;
  if (!Number.isInteger(v.leaderEpoch) || (v.leaderEpoch as number) < 0) return undefined;
  return { replicas: v.replicas, leader: v.leader as number, leaderEpoch: v.leaderEpoch as number, isr: v.isr };
}

export function parseElectLeadersRequest(text: string): ElectLeadersRequest | undefined {
  const v = object(text);
  if (!v) return undefined;
  if (v.type !== undefined && v.type !== 'preferred' && v.type !== 'unclean') return undefined;
  const type = v.type === 'unclean' ? ({ type: 'unclean' } as const) : {};
  if (v.partitions === null) return { partitions: null, ...type };
  if (!Array.isArray(v.partitions)) return undefined;
  const partitions: Array<{ topic: string; partition: number }> = [];
  for (const p of v.partitions as unknown[]) {
    const entry = p !== null && typeof p === 'object' ? (p as Record<string, unknown>) : undefined;
    if (!entry || typeof entry.topic !== 'string' || !isNodeId(entry.partition)) return undefined;
    partitions.push({ topic: entry.topic, partition: entry.partition });
  }
  return { partitions, ...type };
}

export function parseReassignmentRequest(text: string): ReassignmentRequest | undefined {
  const v = object(text);
  if (!v || !isNodeList(v.replicas) || v.replicas.length === 0) return undefined;
  if (new Set(v.replicas).size !== v.replicas.length) return undefined;
  const throttle = v.throttleBytesPerSecond;
  if (throttle !== null && !(Number.isInteger(throttle) && (throttle as number) > 0)) return undefined;
  if (v.originalReplicas !== undefined && !isNodeList(v.originalReplicas)) return undefined;
  return {
    replicas: v.replicas,
    throttleBytesPerSecond: throttle as number | null,
    ...(v.originalReplicas ? { originalReplicas: v.originalReplicas as number[] } : {}),
  };
}
