// ElectLeaders (Kafka's key 43): asks the controller to elect leaders for partitions, preferred (the first
// replica leads again when it is alive and in sync) or unclean (an offline partition is led by any live
// replica; only on topics with unclean.leader.election.enable=true). Each partition gets its own answer:
// ELECTION_NOT_NEEDED, PREFERRED_LEADER_NOT_AVAILABLE, ELIGIBLE_LEADERS_NOT_AVAILABLE, … as in Kafka.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, int, message, type MessageValue, oneOf, struct } from '../schema.js';
import { errorCode, errorMessage, partitionIndex, throttleTimeMs, topicName } from './fields.js';

export const ELECTION_TYPES = ['preferred', 'unclean'] as const;
export type ElectionType = (typeof ELECTION_TYPES)[number];

export const ElectLeadersRequestDef = message({
  name: 'ElectLeadersRequest',
  type: 'request',
  apiKey: ApiKey.ElectLeaders,
  validVersions: '0',
  fields: {
    electionType: oneOf(ELECTION_TYPES, { default: 'preferred' }),
    topics: array(struct({ name: topicName(), partitions: array(partitionIndex(), { maxItems: 100_000 }) }), {
      nullableVersions: '0+',
      maxItems: 10_000,
      doc: 'nil: every partition of the cluster',
    }),
    timeoutMs: int({ min: 0, default: 30_000 }),
  },
});

export const ElectLeadersResponseDef = message({
  name: 'ElectLeadersResponse',
  type: 'response',
  apiKey: ApiKey.ElectLeaders,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    errorCode: errorCode(),
    errorMessage: errorMessage(),
    topics: array(
      struct({
        name: topicName(),
        partitions: array(
          struct({ partition: partitionIndex(), errorCode: errorCode(), errorMessage: errorMessage() }),
        ),
      }),
    ),
  },
});

export type ElectLeadersRequest = MessageValue<typeof ElectLeadersRequestDef>;
export type ElectLeadersResponse = MessageValue<typeof ElectLeadersResponseDef>;

export const ElectLeadersApi = defineApi({
  key: ApiKey.ElectLeaders,
  name: 'ElectLeaders',
  request: ElectLeadersRequestDef,
  response: ElectLeadersResponseDef,
});
