// DescribeGroups: state, protocol and members (with their metadata and assignment bytes) of groups.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, bytes, message, type MessageValue, string, struct } from '../schema.js';
import { errorCode, errorMessage, groupId, groupInstanceId, throttleTimeMs } from './fields.js';

export const DescribeGroupsRequestDef = message({
  name: 'DescribeGroupsRequest',
  type: 'request',
  apiKey: ApiKey.DescribeGroups,
  validVersions: '0',
  fields: { groups: array(groupId(), { maxItems: 10_000 }) },
});

export const DescribeGroupsResponseDef = message({
  name: 'DescribeGroupsResponse',
  type: 'response',
  apiKey: ApiKey.DescribeGroups,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    groups: array(
      struct({
        errorCode: errorCode(),
        errorMessage: errorMessage(),
        groupId: string(),
        groupState: string({ doc: 'Empty, PreparingRebalance, CompletingRebalance, Stable, Dead' }),
        protocolType: string(),
        protocolData: string({ doc: "the chosen assignor's name" }),
        members: array(
          struct({
            memberId: string(),
            groupInstanceId: groupInstanceId(),
            clientId: string(),
            clientHost: string(),
            memberMetadata: bytes(),
            memberAssignment: bytes(),
          }),
        ),
      }),
    ),
  },
});

export type DescribeGroupsRequest = MessageValue<typeof DescribeGroupsRequestDef>;
export type DescribeGroupsResponse = MessageValue<typeof DescribeGroupsResponseDef>;
export type DescribedGroup = DescribeGroupsResponse['groups'][number];
export type DescribedMember = DescribedGroup['members'][number];

export const DescribeGroupsApi = defineApi({
  key: ApiKey.DescribeGroups,
  name: 'DescribeGroups',
  request: DescribeGroupsRequestDef,
  response: DescribeGroupsResponseDef,
});
