// Kafka's ConsumerProtocol: the bytes consumer-group members put in JoinGroup's protocol metadata (the
// subscription) and the leader puts in SyncGroup's assignments, for protocol type "consumer". The broker
// never reads them; every Kafka client (Java, librdkafka, kafkajs, franz-go) and Sluice's SDK writes and
// reads this layout, which is what lets one group mix them.
//
//   int16 version | the fields of that version (classic encoding, never flexible)
//
// Kafka's rule for versions: a reader that meets a newer version than it knows reads the fields it knows
// and ignores the bytes after them (fields are only ever appended). The version is not part of the
// definitions below: it is written in front of them (see src/client/consumer/assignors/protocol.ts).
import { array, bytes, int32, message, string, struct } from '../schema.js';

const topicPartitions = struct({ topic: string(), partitions: array(int32()) });

/** Kafka's ConsumerProtocolSubscription: v1 added owned partitions (KIP-429), v2 their generation, v3 the rack. */
export const ConsumerProtocolSubscription = message({
  name: 'ConsumerProtocolSubscription',
  type: 'data',
  apiKey: -1,
  validVersions: '0-3',
  flexibleVersions: 'none',
  fields: {
    topics: array(string()),
    userData: bytes({ nullableVersions: '0+', default: null }),
    ownedPartitions: array(topicPartitions, { versions: '1+', ignorable: true }),
    generationId: int32({ versions: '2+', default: -1, ignorable: true }),
    rackId: string({ versions: '3+', nullableVersions: '3+', default: null, ignorable: true }),
  },
});

/** Kafka's ConsumerProtocolAssignment: the same fields in every version (0-3). */
export const ConsumerProtocolAssignment = message({
  name: 'ConsumerProtocolAssignment',
  type: 'data',
  apiKey: -1,
  validVersions: '0-3',
  flexibleVersions: 'none',
  fields: {
    assignedPartitions: array(topicPartitions),
    userData: bytes({ nullableVersions: '0+', default: null }),
  },
});
