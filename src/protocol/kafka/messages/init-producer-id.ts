// InitProducerId (22): a producer id and epoch for an idempotent producer (v3+: bump an existing id's epoch).
import { api } from '../api.js';
import { int16, int32, int64, message, string } from '../schema.js';

export const InitProducerIdRequest = message({
  name: 'InitProducerIdRequest',
  type: 'request',
  apiKey: 22,
  validVersions: '0-5',
  flexibleVersions: '2+',
  fields: {
    transactionalId: string({ nullableVersions: '0+' }),
    transactionTimeoutMs: int32(),
    producerId: int64({ versions: '3+', default: -1 }),
    producerEpoch: int16({ versions: '3+', default: -1 }),
  },
});

export const InitProducerIdResponse = message({
  name: 'InitProducerIdResponse',
  type: 'response',
  apiKey: 22,
  validVersions: '0-5',
  flexibleVersions: '2+',
  fields: {
    throttleTimeMs: int32({ ignorable: true }),
    errorCode: int16(),
    producerId: int64({ default: -1 }),
    producerEpoch: int16(),
  },
});

export const InitProducerId = api({
  key: 22,
  name: 'InitProducerId',
  request: InitProducerIdRequest,
  response: InitProducerIdResponse,
  served: '0-1',
  why: 'both clients send v1 against this range (librdkafka would use flexible v2-4 for epoch bumps, KIP-360)',
});
