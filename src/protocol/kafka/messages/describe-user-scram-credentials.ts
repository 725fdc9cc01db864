// DescribeUserScramCredentials (50): users' SCRAM mechanisms (1 SCRAM-SHA-256, 2 SCRAM-SHA-512) and
// iterations. v0 is flexible.
import { api } from '../api.js';
import { array, int8, int16, int32, message, string, struct } from '../schema.js';

export const DescribeUserScramCredentialsRequest = message({
  name: 'DescribeUserScramCredentialsRequest',
  type: 'request',
  apiKey: 50,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: { users: array(struct({ name: string() }), { nullableVersions: '0+' }) },
});

export const DescribeUserScramCredentialsResponse = message({
  name: 'DescribeUserScramCredentialsResponse',
  type: 'response',
  apiKey: 50,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    errorMessage: string({ nullableVersions: '0+' }),
    results: array(
      struct({
        user: string(),
        errorCode: int16(),
        errorMessage: string({ nullableVersions: '0+' }),
        credentialInfos: array(struct({ mechanism: int8(), iterations: int32() })),
      }),
    ),
  },
});

export const DescribeUserScramCredentials = api({
  key: 50,
  name: 'DescribeUserScramCredentials',
  request: DescribeUserScramCredentialsRequest,
  response: DescribeUserScramCredentialsResponse,
  served: '0',
  why: 'the only version (confluent-kafka-python, kafka-configs.sh)',
});
