// InitProducerId: hands an idempotent producer its identity (producerId, producerEpoch). Every record
// batch it sends then carries them plus a per-partition sequence, and the partition's log refuses gaps
// and stores a retried batch only once (storage/producer-state.ts).
//
// A request naming an existing producerId (≥ 0) with its epoch asks for that id's next epoch (Kafka's
// KIP-360 epoch bump); -1/-1 asks for a new id. With a transactionalId the transaction coordinator answers:
// the id's producer (new, or the same id at the next epoch, fencing the previous instance).
import { ApiKey, defineApi } from '../api-keys.js';
import { int, message, type MessageValue, string } from '../schema.js';
import { errorCode, errorMessage, throttleTimeMs } from './fields.js';

export const MAX_PRODUCER_EPOCH = 0x7fff;

export const InitProducerIdRequestDef = message({
  name: 'InitProducerIdRequest',
  type: 'request',
  apiKey: ApiKey.InitProducerId,
  validVersions: '0',
  fields: {
    transactionalId: string({
      nullableVersions: '0+',
      doc: 'nil for an idempotent producer, else its transactional id',
    }),
    transactionTimeoutMs: int({
      min: -1,
      max: 0x7fff_ffff,
      default: 60_000,
      doc: 'transactional producers: an open transaction older than this is aborted',
    }),
    producerId: int({ min: -1, default: -1, doc: '-1 for a new producer, else the id whose epoch to bump' }),
    producerEpoch: int({ min: -1, max: MAX_PRODUCER_EPOCH, default: -1 }),
  },
});

export const InitProducerIdResponseDef = message({
  name: 'InitProducerIdResponse',
  type: 'response',
  apiKey: ApiKey.InitProducerId,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    errorCode: errorCode(),
    errorMessage: errorMessage(),
    producerId: int({ min: -1, doc: "Kafka's int64 as a msgpack integer; -1 on error" }),
    producerEpoch: int({ min: -1, max: MAX_PRODUCER_EPOCH, doc: '-1 on error' }),
  },
});

export type InitProducerIdRequest = MessageValue<typeof InitProducerIdRequestDef>;
export type InitProducerIdResponse = MessageValue<typeof InitProducerIdResponseDef>;

export const InitProducerIdApi = defineApi({
  key: ApiKey.InitProducerId,
  name: 'InitProducerId',
  request: InitProducerIdRequestDef,
  response: InitProducerIdResponseDef,
});
