// Heartbeat (12): a member says it is alive; REBALANCE_IN_PROGRESS tells it to rejoin.
import { api } from '../api.js';
import { int16, int32, message, string } from '../schema.js';

export const HeartbeatRequest = message({
  name: 'HeartbeatRequest',
  type: 'request',
  apiKey: 12,
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: {
    groupId: string(),
    generationId: int32(),
    memberId: string(),
    groupInstanceId: string({ versions: '3+', nullableVersions: '3+', default: null }),
  },
});

export const HeartbeatResponse = message({
  name: 'HeartbeatResponse',
  type: 'response',
  apiKey: 12,
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: {
    throttleTimeMs: int32({ versions: '1+', ignorable: true }),
    errorCode: int16(),
  },
});

export const Heartbeat = api({
  key: 12,
  name: 'Heartbeat',
  request: HeartbeatRequest,
  response: HeartbeatResponse,
  served: '0-4',
  why: 'kafkajs and librdkafka 2.0.2 send v3; @platformatic/kafka v4 (flexible, its lowest)',
});
