// Error-shaped responses of the group APIs, so the coordinator's code paths stay one line each.
import { ErrorCode, type ErrorName, type JoinGroupResponse, type SyncGroupResponse } from '../../protocol/index.js';

const EMPTY = Buffer.alloc(0);

export interface GroupError {
  errorCode: number;
  errorMessage: string | null;
}

export function groupError(name: ErrorName, message: string | null = null): GroupError {
  return { errorCode: ErrorCode[name], errorMessage: message };
}

export const OK: GroupError = Object.freeze({ errorCode: 0, errorMessage: null });

export function joinError(name: ErrorName, memberId = '', message: string | null = null): JoinGroupResponse {
  return { ...groupError(name, message), generationId: -1, protocolType: null, protocolName: null, leader: '', memberId, members: [] };
}

export function syncError(name: ErrorName, message: string | null = null): SyncGroupResponse {
  return { ...groupError(name, message), protocolType: null, protocolName: null, assignment: EMPTY };
}
