// DeleteShareGroups: deletes share groups without members and forgets their state (NON_EMPTY_GROUP while
// members remain, GROUP_ID_NOT_FOUND for an unknown group). Records are never touched.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, message, type MessageValue, string, struct } from '../schema.js';
import { errorCode, errorMessage, groupId, throttleTimeMs } from './fields.js';

export const DeleteShareGroupsRequestDef = message({
  name: 'DeleteShareGroupsRequest',
  type: 'request',
  apiKey: ApiKey.DeleteShareGroups,
  validVersions: '0',
  fields: { groupIds: array(groupId(), { maxItems: 1000 }) },
});

export const DeleteShareGroupsResponseDef = message({
  name: 'DeleteShareGroupsResponse',
  type: 'response',
  apiKey: ApiKey.DeleteShareGroups,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    results: array(struct({ groupId: string(), errorCode: errorCode(), errorMessage: errorMessage() })),
  },
});

export type DeleteShareGroupsRequest = MessageValue<typeof DeleteShareGroupsRequestDef>;
export type DeleteShareGroupsResponse = MessageValue<typeof DeleteShareGroupsResponseDef>;

export const DeleteShareGroupsApi = defineApi({
  key: ApiKey.DeleteShareGroups,
  name: 'DeleteShareGroups',
  request: DeleteShareGroupsRequestDef,
  response: DeleteShareGroupsResponseDef,
});
