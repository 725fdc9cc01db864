// KIP-890 part 1 on the produce path: a transactional batch is appended only to a partition its producer
// added to its open transaction (AddPartitionsToTxn); otherwise INVALID_TXN_STATE, and nothing is stored
// (Kafka's rule since 3.6: data outside a transaction would hang, holding the last stable offset back for
// ever). The produce's batches come from one producer, so the first batch's header speaks for all.
// In cluster mode the coordinator may be another broker: cluster/txn-write-verifier.ts asks it (once per
// transaction and partition), and stillVerified() is checked again right before the append is queued.
import { ATTR_TRANSACTIONAL, BATCH_HEADER_SIZE, Offsets, readInt64 } from '../../../storage/index.js';
import { ErrorCode } from '../../protocol/index.js';
import type { PartitionError } from './storage-errors.js';
import type { BrokerContext } from './types.js';

export function unverifiedTransactionalWrite(
  records: Buffer,
  topic: string,
  partition: number,
  broker: BrokerContext,
): PartitionError | null | Promise<PartitionError | null> {
  if (!isTransactional(records)) return null;
  const producerId = readInt64(records, Offsets.producerId);
  const producerEpoch = records.readInt16BE(Offsets.producerEpoch);
  if (broker.clusterTransactions)
    return broker.clusterTransactions.writes.check(producerId, producerEpoch, topic, partition);
  const refusal = broker.transactions.verifyTransactionalWrite(producerId, producerEpoch, topic, partition);
  return refusal ? { errorCode: ErrorCode[refusal.code], errorMessage: refusal.message } : null;
}

/**
 * Cluster mode, synchronously right before the append is queued: whether the verification still holds (a
 * marker for the producer written into the partition since ends it). Always true on a single node, where
 * the check and the append run in one step.
 */
export function stillVerifiedTransactionalWrite(
  records: Buffer,
  topic: string,
  partition: number,
  broker: BrokerContext,
): boolean {
  if (!broker.clusterTransactions || !isTransactional(records)) return true;
  return broker.clusterTransactions.writes.stillVerified(
    readInt64(records, Offsets.producerId),
    records.readInt16BE(Offsets.producerEpoch),
    topic,
    partition,
  );
}

function isTransactional(records: Buffer): boolean {
  return records.length >= BATCH_HEADER_SIZE && (records.readInt16BE(Offsets.attributes) & ATTR_TRANSACTIONAL) !== 0;
}
