// DescribeUserScramCredentials: the core's listing (security/auth/user-management.ts): Describe on the
// cluster needed; mechanisms and iterations only.
import { DescribeUserScramCredentialsApi, ErrorCode } from '../../protocol/index.js';
import { describeUserScramCredentials } from '../security/auth/user-management.js';
import { defineHandler } from './types.js';

export const describeUserScramCredentialsHandler = defineHandler(
  DescribeUserScramCredentialsApi,
  (request, broker, ctx) => {
    const described = describeUserScramCredentials(broker, ctx, request.users);
    if ('error' in described) return { ...described.error, results: [] };
    return { errorCode: ErrorCode.NONE, errorMessage: null, results: described.results };
  },
);
