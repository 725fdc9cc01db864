// SaslHandshake: picks the SASL mechanism of this connection's authentication (then Authenticate carries
// the mechanism's bytes). Also the first step of re-authenticating an authenticated connection.
import { ApiKey, defineApi } from '../api-keys.js';
import { array, message, type MessageValue, string } from '../schema.js';
import { errorCode, errorMessage } from './fields.js';

export const SaslHandshakeRequestDef = message({
  name: 'SaslHandshakeRequest',
  type: 'request',
  apiKey: ApiKey.SaslHandshake,
  validVersions: '0',
  fields: { mechanism: string({ maxLength: 64, doc: 'SCRAM-SHA-256, SCRAM-SHA-512, PLAIN or OAUTHBEARER' }) },
});

export const SaslHandshakeResponseDef = message({
  name: 'SaslHandshakeResponse',
  type: 'response',
  apiKey: ApiKey.SaslHandshake,
  validVersions: '0',
  fields: {
    errorCode: errorCode(),
    errorMessage: errorMessage(),
    mechanisms: array(string(), { doc: 'the mechanisms this listener accepts' }),
  },
});

export type SaslHandshakeRequest = MessageValue<typeof SaslHandshakeRequestDef>;
export type SaslHandshakeResponse = MessageValue<typeof SaslHandshakeResponseDef>;

export const SaslHandshakeApi = defineApi({
  key: ApiKey.SaslHandshake,
  name: 'SaslHandshake',
  request: SaslHandshakeRequestDef,
  response: SaslHandshakeResponseDef,
});
