// ListGroups (16): the groups this coordinator knows.
import { api } from '../api.js';
import { array, int16, int32, message, string, struct } from '../schema.js';

export const ListGroupsRequest = message({
  name: 'ListGroupsRequest',
  type: 'request',
  apiKey: 16,
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: {
    statesFilter: array(string(), { versions: '4+' }),
    typesFilter: array(string(), { versions: '5+' }),
  },
});

export const ListGroupsResponse = message({
  name: 'ListGroupsResponse',
  type: 'response',
  apiKey: 16,
  validVersions: '0-5',
  flexibleVersions: '3+',
  fields: {
    throttleTimeMs: int32({ versions: '1+', ignorable: true }),
    errorCode: int16(),
    groups: array(
      struct({
        groupId: string(),
        protocolType: string(),
        groupState: string({ versions: '4+', ignorable: true }),
        groupType: string({ versions: '5+', ignorable: true }),
      }),
    ),
  },
});

export const ListGroups = api({
  key: 16,
  name: 'ListGroups',
  request: ListGroupsRequest,
  response: ListGroupsResponse,
  served: '0-2',
  why: 'both clients send v2 (librdkafka could go to 4, flexible from 3)',
});
