// DeleteGroups: removes empty groups and their committed offsets.
import { ApiKey, plainApi } from '../api-keys.js';
import { array, object, string } from '../validate.js';
import { body, errorFields, groupId } from './group-fields.js';

export interface DeleteGroupsRequest {
  groups: string[];
}

export interface DeleteGroupsResponse {
  results: Array<{ groupId: string; errorCode: number; errorMessage: string | null }>;
}

export const DeleteGroupsApi = plainApi<DeleteGroupsRequest, DeleteGroupsResponse>(
  ApiKey.DeleteGroups,
  'DeleteGroups',
  (v) => ({ groups: array(body(v).groups, 'groups', groupId, 10_000) }),
  (v) => ({
    results: array(body(v).results, 'results', (x, p) => {
      const o = object(x, p);
      return { groupId: string(o.groupId, `${p}.groupId`), ...errorFields(o, p) };
    }),
  }),
);
