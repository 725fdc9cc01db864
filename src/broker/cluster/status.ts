// A one-shot reading of a cluster's state in etcd, for `sluice cluster status` and operators' scripts:
// live brokers, the controller, and every partition's leader, epoch, replicas and ISR, with the two
// conditions an operator watches: under-replicated (ISR smaller than the replica set) and offline (no leader).
import { EtcdClient } from './etcd-client.js';
import { ClusterKeys } from './keys.js';
import {
  type BrokerRecord,
  type PartitionState,
  parseBrokerRecord,
  parseControllerRecord,
  parsePartitionState,
} from './records.js';

export interface PartitionStatus extends PartitionState {
  topic: string;
  partition: number;
  underReplicated: boolean;
  offline: boolean;
}

export interface ClusterStatus {
  brokers: BrokerRecord[];
  /** -1: no controller right now. */
  controllerId: number;
  partitions: PartitionStatus[];
  /** The etcd revision this reading is as of. */
  revision: number;
}

export async function readClusterStatus(options: {
  endpoints: readonly string[];
  name: string;
  requestTimeoutMs?: number;
}): Promise<ClusterStatus> {
  const etcd = new EtcdClient(options);
  const keys = new ClusterKeys(options.name);
  const { kvs, revision } = await etcd.getPrefix(keys.root);
  const status: ClusterStatus = { brokers: [], controllerId: -1, partitions: [], revision };
  for (const kv of kvs) {
    const what = keys.parse(kv.key);
    if (what?.kind === 'broker') {
      const broker = parseBrokerRecord(kv.value);
      if (broker) status.brokers.push(broker);
    } else if (what?.kind === 'controller') {
      status.controllerId = parseControllerRecord(kv.value)?.brokerId ?? -1;
    } else if (what?.kind === 'partition') {
      const state = parsePartitionState(kv.value);
      if (state)
        status.partitions.push({
          topic: what.topic,
          partition: what.partition,
          ...state,
          underReplicated: state.isr.length < state.replicas.length,
          offline: state.leader < 0,
        });
    }
  }
  status.brokers.sort((a, b) => a.id - b.id);
  status.partitions.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  return status;
}
