// AlterUserScramCredentials: removes or sets users' SCRAM credentials; Kafka's API 51. An upsertion carries
// the salted password (Hi(password, salt, iterations)), never the password. One result per user named.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, bytes, int, message, type MessageValue, string, struct } from '../schema.js';
import { errorCode, errorMessage, throttleTimeMs } from './fields.js';

export const AlterUserScramCredentialsRequestDef = message({
  name: 'AlterUserScramCredentialsRequest',
  type: 'request',
  apiKey: ApiKey.AlterUserScramCredentials,
  validVersions: '0',
  fields: {
    deletions: array(struct({ name: string({ maxLength: 256 }), mechanism: string({ maxLength: 64 }) }), {
      maxItems: 10_000,
    }),
    upsertions: array(
      struct({
        name: string({ maxLength: 256 }),
        mechanism: string({ maxLength: 64 }),
        iterations: int(),
        salt: bytes({ maxLength: 1024 }),
        saltedPassword: bytes({ maxLength: 1024 }),
      }),
      { maxItems: 10_000 },
    ),
  },
});

export const AlterUserScramCredentialsResponseDef = message({
  name: 'AlterUserScramCredentialsResponse',
  type: 'response',
  apiKey: ApiKey.AlterUserScramCredentials,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    results: array(struct({ user: string(), errorCode: errorCode(), errorMessage: errorMessage() })),
  },
});

export type AlterUserScramCredentialsRequest = MessageValue<typeof AlterUserScramCredentialsRequestDef>;
export type AlterUserScramCredentialsResponse = MessageValue<typeof AlterUserScramCredentialsResponseDef>;

export const AlterUserScramCredentialsApi = defineApi({
  key: ApiKey.AlterUserScramCredentials,
  name: 'AlterUserScramCredentials',
  request: AlterUserScramCredentialsRequestDef,
  response: AlterUserScramCredentialsResponseDef,
});
