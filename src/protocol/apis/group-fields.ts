// Field readers shared by the consumer-group APIs.
import { int, nullableString, object, string, type Obj } from '../validate.js';

export const GROUP_ID_MAX = 255;

export function groupId(value: unknown, path: string): string {
  return string(value, path, GROUP_ID_MAX);
}

export function instanceId(value: unknown, path: string): string | null {
  return nullableString(value, path, GROUP_ID_MAX);
}

/** `{ errorCode, errorMessage }`, present on most group responses. */
export function errorFields(o: Obj, p: string): { errorCode: number; errorMessage: string | null } {
  // Top-level fields are named bare ('errorCode'), as every other API names them.
  const at = (field: string) => (p === 'body' ? field : `${p}.${field}`);
  return {
    errorCode: int(o.errorCode, at('errorCode')),
    errorMessage: nullableString(o.errorMessage, at('errorMessage')),
  };
}

export function body(value: unknown): Obj {
  return object(value, 'body');
}

/** Who sends a Heartbeat or SyncGroup: the group, the generation it believes in, and its identity. */
export function memberOfGeneration(b: Obj): {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
} {
  return {
    groupId: groupId(b.groupId, 'groupId'),
    generationId: int(b.generationId, 'generationId'),
    memberId: string(b.memberId, 'memberId', 1024),
    groupInstanceId: instanceId(b.groupInstanceId, 'groupInstanceId'),
  };
}
