// KIP-890 part 1 on the produce path: a transactional batch is appended only to a partition its producer
// added to its open transaction (AddPartitionsToTxn); otherwise INVALID_TXN_STATE, and nothing is stored
// (Kafka's rule since 3.6: data outside a transaction would hang, holding the last stable offset back for
// ever). The produce's batches come from one producer, so the first batch's header speaks for all.
import { ATTR_TRANSACTIONAL, BATCH_HEADER_SIZE, Offsets, readInt64 } from '../../../storage/index.js';
import { ErrorCode } from '../../protocol/index.js';
import type { PartitionError } from './storage-errors.js';
import type { BrokerContext } from './types.js';

export function unverifiedTransactionalWrite(
  records: Buffer,
  topic: string,
  partition: number,
  broker: BrokerContext,
): PartitionError | null {
  if (records.length < BATCH_HEADER_SIZE || (records.readInt16BE(Offsets.attributes) & ATTR_TRANSACTIONAL) === 0)
    return null;
  // Cluster mode: the transaction's coordinator may live on another broker, which this one cannot ask yet.
  if (broker.cluster) return null;
  const refusal = broker.transactions.verifyTransactionalWrite(
    readInt64(records, Offsets.producerId),
    records.readInt16BE(Offsets.producerEpoch),
    topic,
    partition,
  );
  return refusal ? { errorCode: ErrorCode[refusal.code], errorMessage: refusal.message } : null;
}
