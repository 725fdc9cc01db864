// AlterUserScramCredentials (51): deletions and upsertions of SCRAM credentials (mechanism 1 SCRAM-SHA-256,
// 2 SCRAM-SHA-512); an upsertion carries the salted password, never the password. v0 is flexible.
import { api } from '../api.js';
import { array, bytes, int8, int16, int32, message, string, struct } from '../schema.js';

export const AlterUserScramCredentialsRequest = message({
  name: 'AlterUserScramCredentialsRequest',
  type: 'request',
  apiKey: 51,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    deletions: array(struct({ name: string(), mechanism: int8() })),
    upsertions: array(
      struct({ name: string(), mechanism: int8(), iterations: int32(), salt: bytes(), saltedPassword: bytes() }),
    ),
  },
});

export const AlterUserScramCredentialsResponse = message({
  name: 'AlterUserScramCredentialsResponse',
  type: 'response',
  apiKey: 51,
  validVersions: '0',
  flexibleVersions: '0+',
  fields: {
    throttleTimeMs: int32(),
    results: array(struct({ user: string(), errorCode: int16(), errorMessage: string({ nullableVersions: '0+' }) })),
  },
});

export const AlterUserScramCredentials = api({
  key: 51,
  name: 'AlterUserScramCredentials',
  request: AlterUserScramCredentialsRequest,
  response: AlterUserScramCredentialsResponse,
  served: '0',
  why: 'the only version (confluent-kafka-python, kafka-configs.sh)',
});
