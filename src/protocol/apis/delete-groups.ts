// DeleteGroups: removes empty groups and their committed offsets.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, message, type MessageValue, string, struct } from '../schema.js';
import { errorCode, errorMessage, groupId, throttleTimeMs } from './fields.js';

export const DeleteGroupsRequestDef = message({
  name: 'DeleteGroupsRequest',
  type: 'request',
  apiKey: ApiKey.DeleteGroups,
  validVersions: '0',
  fields: { groups: array(groupId(), { maxItems: 10_000 }) },
});

export const DeleteGroupsResponseDef = message({
  name: 'DeleteGroupsResponse',
  type: 'response',
  apiKey: ApiKey.DeleteGroups,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    results: array(struct({ groupId: string(), errorCode: errorCode(), errorMessage: errorMessage() })),
  },
});

export type DeleteGroupsRequest = MessageValue<typeof DeleteGroupsRequestDef>;
export type DeleteGroupsResponse = MessageValue<typeof DeleteGroupsResponseDef>;

export const DeleteGroupsApi = defineApi({
  key: ApiKey.DeleteGroups,
  name: 'DeleteGroups',
  request: DeleteGroupsRequestDef,
  response: DeleteGroupsResponseDef,
});
