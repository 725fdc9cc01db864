// Domain errors of the transaction coordinator. Handlers alone turn them into wire codes: the code names
// are the protocol's error table names (src/protocol/errors.ts), shared by both doors.
export type TxnErrorCode =
  | 'INVALID_PRODUCER_EPOCH'
  | 'PRODUCER_FENCED'
  | 'INVALID_PRODUCER_ID_MAPPING'
  | 'INVALID_TXN_STATE'
  | 'CONCURRENT_TRANSACTIONS'
  | 'INVALID_TRANSACTION_TIMEOUT'
  | 'COORDINATOR_NOT_AVAILABLE'
  | 'NOT_COORDINATOR'
  | 'COORDINATOR_LOAD_IN_PROGRESS'
  | 'INVALID_REQUEST'
  | 'KAFKA_STORAGE_ERROR';

export class TxnError extends Error {
  override name = 'TxnError';
  constructor(
    readonly code: TxnErrorCode,
    message: string,
  ) {
    super(message);
  }
}
