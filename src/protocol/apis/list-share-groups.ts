// ListShareGroups: every share group with its state (Stable: has members; Empty) and member count.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, int, message, type MessageValue, string, struct } from '../schema.js';
import { errorCode, errorMessage, throttleTimeMs } from './fields.js';

export const ListShareGroupsRequestDef = message({
  name: 'ListShareGroupsRequest',
  type: 'request',
  apiKey: ApiKey.ListShareGroups,
  validVersions: '0',
  fields: {},
});

export const ListShareGroupsResponseDef = message({
  name: 'ListShareGroupsResponse',
  type: 'response',
  apiKey: ApiKey.ListShareGroups,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    errorCode: errorCode(),
    errorMessage: errorMessage(),
    groups: array(struct({ groupId: string(), state: string(), members: int() }), { default: [] }),
  },
});

export type ListShareGroupsRequest = MessageValue<typeof ListShareGroupsRequestDef>;
export type ListShareGroupsResponse = MessageValue<typeof ListShareGroupsResponseDef>;

export const ListShareGroupsApi = defineApi({
  key: ApiKey.ListShareGroups,
  name: 'ListShareGroups',
  request: ListShareGroupsRequestDef,
  response: ListShareGroupsResponseDef,
});
