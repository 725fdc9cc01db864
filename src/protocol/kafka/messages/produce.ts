// Produce (0): record batches for partitions, stored as sent. A hot path: the request's records come back
// as views of the received frame. acks = 0 means the client expects no response at all.
import { api } from '../api.js';
import { array, int16, int32, int64, message, records, string, struct } from '../schema.js';

export const ProduceRequest = message({
  name: 'ProduceRequest',
  type: 'request',
  apiKey: 0,
  validVersions: '0-11',
  flexibleVersions: '9+',
  fields: {
    transactionalId: string({ versions: '3+', nullableVersions: '3+', default: null }),
    acks: int16(),
    timeoutMs: int32(),
    topicData: array(
      struct({
        name: string(),
        partitionData: array(struct({ index: int32(), records: records({ nullableVersions: '0+' }) })),
      }),
    ),
  },
});

const nodeEndpoint = struct({
  nodeId: int32({ versions: '10+' }),
  host: string({ versions: '10+' }),
  port: int32({ versions: '10+' }),
  rack: string({ versions: '10+', nullableVersions: '10+', default: null }),
});

export const ProduceResponse = message({
  name: 'ProduceResponse',
  type: 'response',
  apiKey: 0,
  validVersions: '0-11',
  flexibleVersions: '9+',
  fields: {
    responses: array(
      struct({
        name: string(),
        partitionResponses: array(
          struct({
            index: int32(),
            errorCode: int16(),
            baseOffset: int64(),
            logAppendTimeMs: int64({ versions: '2+', default: -1, ignorable: true }),
            logStartOffset: int64({ versions: '5+', default: -1, ignorable: true }),
            recordErrors: array(
              struct({
                batchIndex: int32({ versions: '8+' }),
                batchIndexErrorMessage: string({ versions: '8+', nullableVersions: '8+', default: null }),
              }),
              { versions: '8+', ignorable: true },
            ),
            errorMessage: string({ versions: '8+', nullableVersions: '8+', default: null, ignorable: true }),
            currentLeader: struct(
              {
                leaderId: int32({ versions: '10+', default: -1 }),
                leaderEpoch: int32({ versions: '10+', default: -1 }),
              },
              { versions: '10+', taggedVersions: '10+', tag: 0 },
            ),
          }),
        ),
      }),
    ),
    throttleTimeMs: int32({ versions: '1+', ignorable: true, default: 0 }),
    nodeEndpoints: array(nodeEndpoint, { versions: '10+', taggedVersions: '10+', tag: 0 }),
  },
});

export const Produce = api({
  key: 0,
  name: 'Produce',
  request: ProduceRequest,
  response: ProduceResponse,
  served: '0-7',
  why: 'both clients send v7; v0 stays in the range because librdkafka 2.0.2 compresses with gzip, snappy or lz4 only when the range holds v0 (batches must still be RecordBatch v2)',
});
