// FetchPush: a standing fetch for a consumer that has caught up. One request, answered by a stream of
// frames that all carry the request's correlationId: each frame pushed while the stream is open has
// `final` false and carries what was appended since the previous one (whole batches, as Fetch answers);
// the last frame, `final` true, ends the stream and is the request's response in the connection's
// response order. Pushed frames are written as soon as they are ready, outside that order.
//
// Credit: the broker pushes at most `creditBytes` record bytes (the first batch of a frame always whole,
// as Fetch's maxBytes) and then waits until FetchPushCredit adds more: the client's memory is bounded by
// what it granted. The stream ends (its final frame) after `maxIdleMs` with nothing pushed, on
// FetchPushCredit `end`, on an error of any partition (leadership, deletion, authorization: the final
// frame carries it), when the broker stops; a closed connection ends it silently.
import { ApiKey, defineApi } from '../api-keys.js';
import { bool, int, message, type MessageValue } from '../schema.js';
import { fetchedTopics, fetchTopics, MAX_WAIT_LIMIT_MS } from './fetch.js';
import { throttleTimeMs } from './fields.js';

export const FetchPushRequestDef = message({
  name: 'FetchPushRequest',
  type: 'request',
  apiKey: ApiKey.FetchPush,
  validVersions: '0',
  fields: {
    maxIdleMs: int({
      min: 0,
      max: MAX_WAIT_LIMIT_MS,
      default: 500,
      doc: 'the stream ends after this long with nothing pushed',
    }),
    maxBytes: int({ min: 1, default: 50 * 1024 * 1024, doc: 'per frame; the first batch is always whole' }),
    creditBytes: int({ min: 0, doc: 'record bytes the broker may push before FetchPushCredit adds more' }),
    isolationLevel: int({ min: 0, max: 1, default: 0, doc: 'as Fetch' }),
    topics: fetchTopics(),
  },
});

export const FetchPushResponseDef = message({
  name: 'FetchPushResponse',
  type: 'response',
  apiKey: ApiKey.FetchPush,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    errorCode: int({ default: 0 }),
    final: bool({ default: true, doc: 'false: a pushed frame, more follow; true: the stream has ended' }),
    topics: fetchedTopics(),
  },
});

export type FetchPushRequest = MessageValue<typeof FetchPushRequestDef>;
export type FetchPushResponse = MessageValue<typeof FetchPushResponseDef>;

export const FetchPushApi = defineApi({
  key: ApiKey.FetchPush,
  name: 'FetchPush',
  request: FetchPushRequestDef,
  response: FetchPushResponseDef,
});
