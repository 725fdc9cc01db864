// ListGroups: every group the coordinator knows, optionally filtered by state.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, message, type MessageValue, string, struct } from '../schema.js';
import { errorCode, throttleTimeMs } from './fields.js';

export const ListGroupsRequestDef = message({
  name: 'ListGroupsRequest',
  type: 'request',
  apiKey: ApiKey.ListGroups,
  validVersions: '0',
  fields: {
    statesFilter: array(string({ maxLength: 64 }), {
      maxItems: 16,
      nullableVersions: '0+',
      doc: "e.g. ['Stable', 'Empty']; nil = all states",
    }),
  },
});

export const ListGroupsResponseDef = message({
  name: 'ListGroupsResponse',
  type: 'response',
  apiKey: ApiKey.ListGroups,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    errorCode: errorCode(),
    groups: array(struct({ groupId: string(), protocolType: string(), groupState: string() })),
  },
});

export type ListGroupsRequest = MessageValue<typeof ListGroupsRequestDef>;
export type ListGroupsResponse = MessageValue<typeof ListGroupsResponseDef>;

export const ListGroupsApi = defineApi({
  key: ApiKey.ListGroups,
  name: 'ListGroups',
  request: ListGroupsRequestDef,
  response: ListGroupsResponseDef,
});
