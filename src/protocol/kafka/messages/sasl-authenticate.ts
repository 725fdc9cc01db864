// SaslAuthenticate (36): one round of SASL bytes (SCRAM, PLAIN, OAUTHBEARER) after SaslHandshake v1.
import { api } from '../api.js';
import { bytes, int16, int64, message, string } from '../schema.js';

export const SaslAuthenticateRequest = message({
  name: 'SaslAuthenticateRequest',
  type: 'request',
  apiKey: 36,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: {
    authBytes: bytes(),
  },
});

export const SaslAuthenticateResponse = message({
  name: 'SaslAuthenticateResponse',
  type: 'response',
  apiKey: 36,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: {
    errorCode: int16(),
    errorMessage: string({ nullableVersions: '0+' }),
    authBytes: bytes(),
    sessionLifetimeMs: int64({ versions: '1+', default: 0, ignorable: true }),
  },
});

export const SaslAuthenticate = api({
  key: 36,
  name: 'SaslAuthenticate',
  request: SaslAuthenticateRequest,
  response: SaslAuthenticateResponse,
  served: '0-2',
  why: 'kafkajs sends v1, librdkafka v0-v2 (v1+ carries the session lifetime, KIP-368)',
});
