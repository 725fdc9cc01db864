// DescribeUserScramCredentials (v0): the core's listing (security/auth/user-management.ts) with Kafka's
// mechanism numbers (1 SCRAM-SHA-256, 2 SCRAM-SHA-512).
import { ErrorCode } from '../../../protocol/index.js';
import { DescribeUserScramCredentials } from '../../../protocol/kafka/index.js';
import { describeUserScramCredentials } from '../../security/auth/user-management.js';
import { kafkaHandler } from '../handler.js';

export const KAFKA_SCRAM_MECHANISMS: Readonly<Record<number, string>> = { 1: 'SCRAM-SHA-256', 2: 'SCRAM-SHA-512' };
const CODES: Readonly<Record<string, number>> = { 'SCRAM-SHA-256': 1, 'SCRAM-SHA-512': 2 };

export const kafkaDescribeUserScramCredentialsHandler = kafkaHandler(
  DescribeUserScramCredentials,
  (request, broker, ctx) => {
    const described = describeUserScramCredentials(broker, ctx, request.users?.map((u) => u.name) ?? null);
    if ('error' in described) return { throttleTimeMs: 0, ...described.error, results: [] };
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      results: described.results.map((r) => ({
        user: r.user,
        errorCode: r.errorCode,
        errorMessage: r.errorMessage,
        credentialInfos: r.credentials.map((c) => ({ mechanism: CODES[c.mechanism]!, iterations: c.iterations })),
      })),
    };
  },
);
