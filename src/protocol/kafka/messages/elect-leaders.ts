// ElectLeaders (43): preferred (0) or unclean (1) leader election of partitions (null: all of them), with a
// result per partition. v0 has no election type (preferred) and no top-level error code.
import { api } from '../api.js';
import { array, int8, int16, int32, message, string, struct } from '../schema.js';

export const ElectLeadersRequest = message({
  name: 'ElectLeadersRequest',
  type: 'request',
  apiKey: 43,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: {
    electionType: int8({ versions: '1+' }),
    topicPartitions: array(struct({ topic: string(), partitions: array(int32()) }), { nullableVersions: '0+' }),
    timeoutMs: int32({ default: 60_000 }),
  },
});

export const ElectLeadersResponse = message({
  name: 'ElectLeadersResponse',
  type: 'response',
  apiKey: 43,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: {
    throttleTimeMs: int32(),
    errorCode: int16({ versions: '1+', ignorable: true }),
    replicaElectionResults: array(
      struct({
        topic: string(),
        partitionResult: array(
          struct({ partitionId: int32(), errorCode: int16(), errorMessage: string({ nullableVersions: '0+' }) }),
        ),
      }),
    ),
  },
});

export const ElectLeaders = api({
  key: 43,
  name: 'ElectLeaders',
  request: ElectLeadersRequest,
  response: ElectLeadersResponse,
  served: '0-2',
  why: "librdkafka 2.5+ (confluent-kafka's elect_leaders) sends v0-2, Kafka's kafka-leader-election.sh v2 (flexible)",
});
