// DescribeUserScramCredentials: the SCRAM mechanisms and iterations of users (never a salt or key); Kafka's
// API 50.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, int, message, type MessageValue, oneOf, string, struct } from '../schema.js';
import { errorCode, errorMessage, throttleTimeMs } from './fields.js';

export const SCRAM_MECHANISM_NAMES = ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;

export const DescribeUserScramCredentialsRequestDef = message({
  name: 'DescribeUserScramCredentialsRequest',
  type: 'request',
  apiKey: ApiKey.DescribeUserScramCredentials,
  validVersions: '0',
  fields: {
    users: array(string({ maxLength: 256 }), { nullableVersions: '0+', maxItems: 10_000, doc: 'nil: every user' }),
  },
});

export const DescribeUserScramCredentialsResponseDef = message({
  name: 'DescribeUserScramCredentialsResponse',
  type: 'response',
  apiKey: ApiKey.DescribeUserScramCredentials,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    errorCode: errorCode(),
    errorMessage: errorMessage(),
    results: array(
      struct({
        user: string(),
        errorCode: errorCode(),
        errorMessage: errorMessage(),
        credentials: array(struct({ mechanism: oneOf(SCRAM_MECHANISM_NAMES), iterations: int() })),
      }),
    ),
  },
});

export type DescribeUserScramCredentialsRequest = MessageValue<typeof DescribeUserScramCredentialsRequestDef>;
export type DescribeUserScramCredentialsResponse = MessageValue<typeof DescribeUserScramCredentialsResponseDef>;

export const DescribeUserScramCredentialsApi = defineApi({
  key: ApiKey.DescribeUserScramCredentials,
  name: 'DescribeUserScramCredentials',
  request: DescribeUserScramCredentialsRequestDef,
  response: DescribeUserScramCredentialsResponseDef,
});
