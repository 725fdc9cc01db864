// FetchPushCredit: adds credit to, or ends, a FetchPush stream of the same connection. Never answered
// (as a Produce with acks 0): the stream's frames are what the client waits for. A stream that has
// already ended, or an id no stream has, is ignored.
import { ApiKey, defineApi } from '../api-keys.js';
import { bool, int, message, type MessageValue } from '../schema.js';
import { throttleTimeMs } from './fields.js';

export const FetchPushCreditRequestDef = message({
  name: 'FetchPushCreditRequest',
  type: 'request',
  apiKey: ApiKey.FetchPushCredit,
  validVersions: '0',
  fields: {
    streamId: int({ doc: 'the correlationId of the FetchPush request that opened the stream' }),
    creditBytes: int({ min: 0, default: 0, doc: 'record bytes added to what the stream may push' }),
    end: bool({ default: false, doc: 'ends the stream: its final frame follows what was already pushed' }),
  },
});

export const FetchPushCreditResponseDef = message({
  name: 'FetchPushCreditResponse',
  type: 'response',
  apiKey: ApiKey.FetchPushCredit,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
  },
});

export type FetchPushCreditRequest = MessageValue<typeof FetchPushCreditRequestDef>;
export type FetchPushCreditResponse = MessageValue<typeof FetchPushCreditResponseDef>;

export const FetchPushCreditApi = defineApi({
  key: ApiKey.FetchPushCredit,
  name: 'FetchPushCredit',
  request: FetchPushCreditRequestDef,
  response: FetchPushCreditResponseDef,
});
