// DescribeGroups: state, protocol and members (with their metadata and assignment bytes) of groups.
import { ApiKey, plainApi } from '../api-keys.js';
import { array, bytes, object, string } from '../validate.js';
import { body, errorFields, groupId, instanceId } from './group-fields.js';

export interface DescribeGroupsRequest {
  groups: string[];
}

export interface DescribedMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  memberMetadata: Buffer;
  memberAssignment: Buffer;
}

export interface DescribedGroup {
  errorCode: number;
  errorMessage: string | null;
  groupId: string;
  /** Empty, PreparingRebalance, CompletingRebalance, Stable, Dead. */
  groupState: string;
  protocolType: string;
  /** The chosen assignor's name. */
  protocolData: string;
  members: DescribedMember[];
}

export interface DescribeGroupsResponse {
  groups: DescribedGroup[];
}

export const DescribeGroupsApi = plainApi<DescribeGroupsRequest, DescribeGroupsResponse>(
  ApiKey.DescribeGroups,
  'DescribeGroups',
  (v) => ({ groups: array(body(v).groups, 'groups', groupId, 10_000) }),
  (v) => ({
    groups: array(body(v).groups, 'groups', (x, p) => {
      const o = object(x, p);
      return {
        ...errorFields(o, p),
        groupId: string(o.groupId, `${p}.groupId`),
        groupState: string(o.groupState, `${p}.groupState`),
        protocolType: string(o.protocolType, `${p}.protocolType`),
        protocolData: string(o.protocolData, `${p}.protocolData`),
        members: array(o.members, `${p}.members`, (y, q) => {
          const m = object(y, q);
          return {
            memberId: string(m.memberId, `${q}.memberId`),
            groupInstanceId: instanceId(m.groupInstanceId, `${q}.groupInstanceId`),
            clientId: string(m.clientId, `${q}.clientId`),
            clientHost: string(m.clientHost, `${q}.clientHost`),
            memberMetadata: bytes(m.memberMetadata, `${q}.memberMetadata`),
            memberAssignment: bytes(m.memberAssignment, `${q}.memberAssignment`),
          };
        }),
      };
    }),
  }),
);
