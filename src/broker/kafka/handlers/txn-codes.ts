// The transaction APIs' error codes as the Kafka versions served here know them: PRODUCER_FENCED (90) came
// with KIP-588 in request versions this listener does not serve; older clients (kafkajs among them) know a
// fenced producer as INVALID_PRODUCER_EPOCH (47), as Kafka answers them.
import { ErrorCode } from '../../../protocol/index.js';

export function kafkaTxnCode(errorCode: number): number {
  return errorCode === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : errorCode;
}
