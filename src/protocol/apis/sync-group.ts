// SyncGroup: the leader sends the assignment; every member receives its own share.
import { ApiKey, plainApi } from '../api-keys.js';
import { array, bytes, nullableString, object, string } from '../validate.js';
import { body, errorFields, memberOfGeneration } from './group-fields.js';

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  /** Only the leader sends assignments; followers send []. */
  assignments: Array<{ memberId: string; assignment: Buffer }>;
}

export interface SyncGroupResponse {
  errorCode: number;
  errorMessage: string | null;
  protocolType: string | null;
  protocolName: string | null;
  /** Opaque to the broker: encoded by the SDK's assignor protocol. */
  assignment: Buffer;
}

const MAX_ASSIGNMENT = 4 * 1024 * 1024;

export const SyncGroupApi = plainApi<SyncGroupRequest, SyncGroupResponse>(
  ApiKey.SyncGroup,
  'SyncGroup',
  (v) => {
    const b = body(v);
    return {
      ...memberOfGeneration(b),
      protocolType: nullableString(b.protocolType, 'protocolType', 255),
      protocolName: nullableString(b.protocolName, 'protocolName', 255),
      assignments: array(
        b.assignments ?? [],
        'assignments',
        (x, p) => {
          const o = object(x, p);
          return {
            memberId: string(o.memberId, `${p}.memberId`, 1024),
            assignment: bytes(o.assignment, `${p}.assignment`, MAX_ASSIGNMENT),
          };
        },
        10_000,
      ),
    };
  },
  (v) => {
    const b = body(v);
    return {
      ...errorFields(b, 'body'),
      protocolType: nullableString(b.protocolType, 'protocolType'),
      protocolName: nullableString(b.protocolName, 'protocolName'),
      assignment: bytes(b.assignment, 'assignment', MAX_ASSIGNMENT),
    };
  },
);
