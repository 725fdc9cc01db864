// AlterUserScramCredentials: the core's change (security/auth/user-management.ts): Alter on the cluster
// needed, per user, durable before the answer; the next login uses the new credentials.
import { AlterUserScramCredentialsApi } from '../../protocol/index.js';
import { alterUserScramCredentials } from '../security/auth/user-management.js';
import { defineHandler } from './types.js';

export const alterUserScramCredentialsHandler = defineHandler(
  AlterUserScramCredentialsApi,
  async (request, broker, ctx) => ({
    results: await alterUserScramCredentials(broker, ctx, request.deletions, request.upsertions),
  }),
);
