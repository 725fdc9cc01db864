// Authenticate: one round of the SASL mechanism chosen by SaslHandshake (SCRAM takes two). The bytes are
// the mechanism's own (RFC 5802 messages for SCRAM, RFC 7628 for OAUTHBEARER). sessionLifetimeMs, once
// authenticated: how long the credentials stay good (a token's expiry); 0 for no limit. Before it runs out
// the client re-authenticates (SaslHandshake + Authenticate again) or the connection is closed.
import { ApiKey, defineApi } from '../api-keys.js';
import { bytes, int, message, type MessageValue } from '../schema.js';
import { errorCode, errorMessage } from './fields.js';

export const AuthenticateRequestDef = message({
  name: 'AuthenticateRequest',
  type: 'request',
  apiKey: ApiKey.Authenticate,
  validVersions: '0',
  fields: { authBytes: bytes({ maxLength: 64 * 1024 }) },
});

export const AuthenticateResponseDef = message({
  name: 'AuthenticateResponse',
  type: 'response',
  apiKey: ApiKey.Authenticate,
  validVersions: '0',
  fields: {
    errorCode: errorCode(),
    errorMessage: errorMessage(),
    authBytes: bytes(),
    sessionLifetimeMs: int({ min: 0 }),
  },
});

export type AuthenticateRequest = MessageValue<typeof AuthenticateRequestDef>;
export type AuthenticateResponse = MessageValue<typeof AuthenticateResponseDef>;

export const AuthenticateApi = defineApi({
  key: ApiKey.Authenticate,
  name: 'Authenticate',
  request: AuthenticateRequestDef,
  response: AuthenticateResponseDef,
});
