// DescribeGroups (15): a group's state, protocol and members (metadata and assignments as opaque bytes).
// Kafka answers an unknown group with state Dead and no error.
import { api } from '../api.js';
import { array, bool, bytes, int16, int32, message, string, struct } from '../schema.js';

export const DescribeGroupsRequest = message({
  name: 'DescribeGroupsRequest',
  type: 'request',
  apiKey: 15,
  validVersions: '0-5',
  flexibleVersions: '5+',
  fields: {
    groups: array(string()),
    includeAuthorizedOperations: bool({ versions: '3+' }),
  },
});

export const DescribeGroupsResponse = message({
  name: 'DescribeGroupsResponse',
  type: 'response',
  apiKey: 15,
  validVersions: '0-5',
  flexibleVersions: '5+',
  fields: {
    throttleTimeMs: int32({ versions: '1+', ignorable: true }),
    groups: array(
      struct({
        errorCode: int16(),
        groupId: string(),
        groupState: string(),
        protocolType: string(),
        protocolData: string(),
        members: array(
          struct({
            memberId: string(),
            groupInstanceId: string({ versions: '4+', nullableVersions: '4+', default: null, ignorable: true }),
            clientId: string(),
            clientHost: string(),
            memberMetadata: bytes(),
            memberAssignment: bytes(),
          }),
        ),
        authorizedOperations: int32({ versions: '3+', default: -2147483648 }),
      }),
    ),
  },
});

export const DescribeGroups = api({
  key: 15,
  name: 'DescribeGroups',
  request: DescribeGroupsRequest,
  response: DescribeGroupsResponse,
  served: '0-4',
  why: 'librdkafka sends v4, kafkajs v2; v5 is flexible',
});
