// DeleteGroups (42): deletes empty groups and their committed offsets.
import { api } from '../api.js';
import { array, int16, int32, message, string, struct } from '../schema.js';

export const DeleteGroupsRequest = message({
  name: 'DeleteGroupsRequest',
  type: 'request',
  apiKey: 42,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: {
    groupsNames: array(string()),
  },
});

export const DeleteGroupsResponse = message({
  name: 'DeleteGroupsResponse',
  type: 'response',
  apiKey: 42,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: {
    throttleTimeMs: int32(),
    results: array(struct({ groupId: string(), errorCode: int16() })),
  },
});

export const DeleteGroups = api({
  key: 42,
  name: 'DeleteGroups',
  request: DeleteGroupsRequest,
  response: DeleteGroupsResponse,
  served: '0-1',
  why: 'both clients send v1; v2 is flexible',
});
