// SaslHandshake (17): picks a SASL mechanism; v1 means the exchange continues in SaslAuthenticate.
// Never flexible.
import { api } from '../api.js';
import { array, int16, message, string } from '../schema.js';

export const SaslHandshakeRequest = message({
  name: 'SaslHandshakeRequest',
  type: 'request',
  apiKey: 17,
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: {
    mechanism: string(),
  },
});

export const SaslHandshakeResponse = message({
  name: 'SaslHandshakeResponse',
  type: 'response',
  apiKey: 17,
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: {
    errorCode: int16(),
    mechanisms: array(string()),
  },
});

export const SaslHandshake = api({
  key: 17,
  name: 'SaslHandshake',
  request: SaslHandshakeRequest,
  response: SaslHandshakeResponse,
  served: '0-1',
  why: 'both clients send v1 (then SaslAuthenticate); v0 is answered, its raw tokens are not read',
});
