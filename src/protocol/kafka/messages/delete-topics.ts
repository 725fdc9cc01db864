// DeleteTopics (20): deletes topics by name (by name or id from v6).
import { api } from '../api.js';
import { array, int16, int32, message, string, struct, uuid } from '../schema.js';

export const DeleteTopicsRequest = message({
  name: 'DeleteTopicsRequest',
  type: 'request',
  apiKey: 20,
  validVersions: '0-6',
  flexibleVersions: '4+',
  fields: {
    topics: array(
      struct({
        name: string({ versions: '6+', nullableVersions: '6+', default: null }),
        topicId: uuid({ versions: '6+' }),
      }),
      { versions: '6+' },
    ),
    topicNames: array(string(), { versions: '0-5', ignorable: true }),
    timeoutMs: int32(),
  },
});

export const DeleteTopicsResponse = message({
  name: 'DeleteTopicsResponse',
  type: 'response',
  apiKey: 20,
  validVersions: '0-6',
  flexibleVersions: '4+',
  fields: {
    throttleTimeMs: int32({ versions: '1+', ignorable: true }),
    responses: array(
      struct({
        name: string({ nullableVersions: '6+' }),
        topicId: uuid({ versions: '6+', ignorable: true }),
        errorCode: int16(),
        errorMessage: string({ versions: '5+', nullableVersions: '5+', ignorable: true, default: null }),
      }),
    ),
  },
});

export const DeleteTopics = api({
  key: 20,
  name: 'DeleteTopics',
  request: DeleteTopicsRequest,
  response: DeleteTopicsResponse,
  served: '0-3',
  why: 'both clients send v1; v4+ is flexible',
});
