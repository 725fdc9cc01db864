// VerifyTxnWrite (native key 1172, broker to broker; KIP-890 part 1, Kafka 3.6's AddPartitionsToTxn
// verifyOnly): a partition's leader asks this broker's transaction coordinator whether a producer's open
// transaction added the partition before it appends the producer's batch. NOT_COORDINATOR when this broker
// does not lead `__transaction_state`, COORDINATOR_LOAD_IN_PROGRESS while it loads. Needs ClusterAction
// with authorization on.
import { ErrorCode, VerifyTxnWriteApi } from '../../protocol/index.js';
import { allowedOnCluster, denied } from '../security/acl/authorize.js';
import { CLUSTER_NAME } from '../security/acl/types.js';
import { TRANSACTION_STATE_TOPIC } from '../txn/index.js';
import { partitionError } from './storage-errors.js';
import { defineHandler } from './types.js';

export const verifyTxnWriteHandler = defineHandler(VerifyTxnWriteApi, (request, broker, ctx) => {
  const refusal = !allowedOnCluster(broker, ctx, 'ClusterAction')
    ? denied('ClusterAction', 'cluster', CLUSTER_NAME, ctx)
    : !broker.cluster?.isLeader(TRANSACTION_STATE_TOPIC, 0)
      ? partitionError('NOT_COORDINATOR', `broker ${broker.config.nodeId} does not lead ${TRANSACTION_STATE_TOPIC} now`)
      : !broker.transactions.ready
        ? partitionError('COORDINATOR_LOAD_IN_PROGRESS', 'the transaction coordinator is loading')
        : null;
  const { producerId, producerEpoch } = request;
  return {
    results: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((partition) => {
        const error =
          refusal ?? broker.transactions.verifyTransactionalWrite(producerId, producerEpoch, t.name, partition);
        if (!error) return { partition, errorCode: ErrorCode.NONE, errorMessage: null };
        return 'code' in error
          ? { partition, errorCode: ErrorCode[error.code], errorMessage: error.message }
          : { partition, ...error };
      }),
    })),
  };
});
