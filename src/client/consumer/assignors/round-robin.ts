// Round-robin (Kafka's RoundRobinAssignor; named "RoundRobinAssigner" as kafkajs's default, so SDK members
// and kafkajs members with their defaults share a group): every topic-partition in (topic, partition)
// order goes to the next member, in id order, that subscribes to its topic.
import { MemberMetadata } from './protocol.js';
import { addTo, decodeMembers, encodeAssignments, partitionsOf } from './common.js';
import type { PartitionAssigner } from './types.js';

export const RoundRobinAssigner: PartitionAssigner = ({ cluster }) => ({
  name: 'RoundRobinAssigner',
  version: 0,
  rebalanceProtocol: 'eager',
  assign({ members, topics }) {
    const decoded = decodeMembers(members);
    const result = new Map<string, Map<string, number[]>>();
    let next = 0;
    for (const topic of [...topics].sort()) {
      if (!decoded.some((m) => m.topics.has(topic))) continue;
      for (const partition of partitionsOf(cluster, topic)) {
        while (!decoded[next % decoded.length]!.topics.has(topic)) next++;
        addTo(result, decoded[next % decoded.length]!.memberId, topic, partition);
        next++;
      }
    }
    return encodeAssignments(decoded, result, this.version);
  },
  protocol({ topics }) {
    return { name: this.name, metadata: MemberMetadata.encode({ version: this.version, topics, userData: null }) };
  },
});
