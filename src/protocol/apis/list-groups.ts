// ListGroups: every group the coordinator knows, optionally filtered by state.
import { ApiKey, plainApi } from '../api-keys.js';
import { array, int, nullableArray, object, string } from '../validate.js';
import { body } from './group-fields.js';

export interface ListGroupsRequest {
  /** e.g. ['Stable', 'Empty']; null = all states. */
  statesFilter: string[] | null;
}

export interface ListGroupsResponse {
  errorCode: number;
  groups: Array<{ groupId: string; protocolType: string; groupState: string }>;
}

export const ListGroupsApi = plainApi<ListGroupsRequest, ListGroupsResponse>(
  ApiKey.ListGroups,
  'ListGroups',
  (v) => {
    const b = v === undefined || v === null ? {} : body(v);
    return { statesFilter: nullableArray(b.statesFilter, 'statesFilter', (x, p) => string(x, p, 64), 16) };
  },
  (v) => {
    const b = body(v);
    return {
      errorCode: int(b.errorCode, 'errorCode'),
      groups: array(b.groups, 'groups', (x, p) => {
        const o = object(x, p);
        return {
          groupId: string(o.groupId, `${p}.groupId`),
          protocolType: string(o.protocolType, `${p}.protocolType`),
          groupState: string(o.groupState, `${p}.groupState`),
        };
      }),
    };
  },
);
