// DescribeTransactions (v0): served by the native door's handler (describe-transactions.ts).
import { DescribeTransactions } from '../../../protocol/kafka/index.js';
import { describeTransactionsHandler } from '../../handlers/describe-transactions.js';
import { kafkaHandler, nativeAnswer } from '../handler.js';

export const kafkaDescribeTransactionsHandler = kafkaHandler(DescribeTransactions, async (request, broker, ctx) => {
  const native = await nativeAnswer(
    describeTransactionsHandler,
    { transactionalIds: request.transactionalIds },
    broker,
    ctx,
  );
  return {
    throttleTimeMs: 0,
    transactionStates: native.transactionStates.map(({ errorMessage: _, ...state }) => state),
  };
});
