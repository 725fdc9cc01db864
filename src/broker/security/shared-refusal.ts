// A change to the cluster's users, ACLs or quotas that etcd did not take (shared-entries.ts), as the
// management calls answer it on both wires: one sentence saying why, nothing changed.
import { ErrorCode } from '../../protocol/index.js';
import type { WireError } from './acl/authorize.js';
import { SharedStateUnavailable } from './shared-entries.js';

/** The refusal for a SharedStateUnavailable; any other error is thrown on. */
export function sharedStateRefusal(error: unknown): WireError {
  if (error instanceof SharedStateUnavailable)
    return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: `not changed: ${error.message}` };
  throw error;
}
