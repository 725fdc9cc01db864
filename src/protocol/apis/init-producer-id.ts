// InitProducerId: hands an idempotent producer its identity (producerId, producerEpoch). Every record
// batch it sends then carries them plus a per-partition sequence, and the partition's log refuses gaps
// and stores a retried batch only once (storage/producer-state.ts).
//
// A request naming an existing producerId (≥ 0) with its epoch asks for that id's next epoch (Kafka's
// KIP-360 epoch bump); -1/-1 asks for a new id. Transactions (a transactionalId) are not supported.
import { ApiKey, plainApi } from '../api-keys.js';
import { int, nullableString, optionalInt } from '../validate.js';
import { body, errorFields } from './group-fields.js';

export const MAX_PRODUCER_EPOCH = 0x7fff;

export interface InitProducerIdRequest {
  /** Must be null: transactions are not supported. */
  transactionalId: string | null;
  transactionTimeoutMs: number;
  /** -1 for a new producer, else the id whose epoch to bump. */
  producerId: number;
  producerEpoch: number;
}

export interface InitProducerIdResponse {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  /** int64 on Kafka's wire; a safe integer here (ids stay far below 2^53). -1 on error. */
  producerId: number;
  producerEpoch: number;
}

export const InitProducerIdApi = plainApi<InitProducerIdRequest, InitProducerIdResponse>(
  ApiKey.InitProducerId,
  'InitProducerId',
  (v) => {
    const b = body(v);
    const producerId = optionalInt(b.producerId, 'producerId', -1, -1);
    const producerEpoch = optionalInt(b.producerEpoch, 'producerEpoch', -1, -1, MAX_PRODUCER_EPOCH);
    return {
      transactionalId: nullableString(b.transactionalId, 'transactionalId', 32_767),
      transactionTimeoutMs: optionalInt(b.transactionTimeoutMs, 'transactionTimeoutMs', 60_000, -1, 0x7fff_ffff),
      producerId,
      producerEpoch,
    };
  },
  (v) => {
    const b = body(v);
    return {
      throttleTimeMs: optionalInt(b.throttleTimeMs, 'throttleTimeMs', 0, 0),
      ...errorFields(b, 'body'),
      producerId: int(b.producerId, 'producerId', -1),
      producerEpoch: int(b.producerEpoch, 'producerEpoch', -1, MAX_PRODUCER_EPOCH),
    };
  },
);
