// Range (Kafka's RangeAssignor, named "range" as in Java and librdkafka, so SDK members share a group with
// theirs): per topic, the subscribed members in id order each take a contiguous range; the first
// (partitions % members) take one extra.
import { MemberMetadata } from './protocol.js';
import { addTo, decodeMembers, encodeAssignments, partitionsOf } from './common.js';
import type { PartitionAssigner } from './types.js';

export const RangeAssigner: PartitionAssigner = ({ cluster }) => ({
  name: 'range',
  version: 0,
  rebalanceProtocol: 'eager',
  assign({ members, topics }) {
    const decoded = decodeMembers(members);
    const result = new Map<string, Map<string, number[]>>();
    for (const topic of [...topics].sort()) {
      const subscribed = decoded.filter((m) => m.topics.has(topic));
      if (subscribed.length === 0) continue;
      const partitions = partitionsOf(cluster, topic);
      const per = Math.floor(partitions.length / subscribed.length);
      const extra = partitions.length % subscribed.length;
      subscribed.forEach((m, i) => {
        const start = i * per + Math.min(i, extra);
        const length = per + (i < extra ? 1 : 0);
        for (const p of partitions.slice(start, start + length)) addTo(result, m.memberId, topic, p);
      });
    }
    return encodeAssignments(decoded, result, this.version);
  },
  protocol({ topics }) {
    return { name: this.name, metadata: MemberMetadata.encode({ version: this.version, topics, userData: null }) };
  },
});
