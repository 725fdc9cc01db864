// FindCoordinator (10): which broker coordinates a group (key type 0) or a transactional id (1).
import { api } from '../api.js';
import { array, int8, int16, int32, message, string, struct } from '../schema.js';

export const FindCoordinatorRequest = message({
  name: 'FindCoordinatorRequest',
  type: 'request',
  apiKey: 10,
  validVersions: '0-6',
  flexibleVersions: '3+',
  fields: {
    key: string({ versions: '0-3' }),
    keyType: int8({ versions: '1+', default: 0 }),
    coordinatorKeys: array(string(), { versions: '4+' }),
  },
});

export const FindCoordinatorResponse = message({
  name: 'FindCoordinatorResponse',
  type: 'response',
  apiKey: 10,
  validVersions: '0-6',
  flexibleVersions: '3+',
  fields: {
    throttleTimeMs: int32({ versions: '1+', ignorable: true }),
    errorCode: int16({ versions: '0-3' }),
    errorMessage: string({ versions: '1-3', nullableVersions: '1-3', ignorable: true }),
    nodeId: int32({ versions: '0-3' }),
    host: string({ versions: '0-3' }),
    port: int32({ versions: '0-3' }),
    coordinators: array(
      struct({
        key: string({ versions: '4+' }),
        nodeId: int32({ versions: '4+' }),
        host: string({ versions: '4+' }),
        port: int32({ versions: '4+' }),
        errorCode: int16({ versions: '4+' }),
        errorMessage: string({ versions: '4+', nullableVersions: '4+', ignorable: true }),
      }),
      { versions: '4+' },
    ),
  },
});

export const FindCoordinator = api({
  key: 10,
  name: 'FindCoordinator',
  request: FindCoordinatorRequest,
  response: FindCoordinatorResponse,
  served: '0-4',
  why: 'kafkajs and librdkafka 2.0.2 send v2 (librdkafka needs v0 in the range or it never uses consumer groups); @platformatic/kafka v4 (flexible, a batch of keys, its lowest)',
});
