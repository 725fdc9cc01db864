// Where the transaction coordinator's domain errors (txn/errors.ts) become wire codes, for both doors.
import type { Logger } from 'pino';
import { ErrorCode } from '../../protocol/index.js';
import { TxnError } from '../txn/index.js';
import { ProducerIdError } from '../registries/errors.js';
import { PRODUCER_ID_PROBLEM_CODES } from './domain-errors.js';
import type { RequestContext } from './types.js';
import type { BrokerContext } from './types.js';
import { allowed, denied } from '../security/acl/authorize.js';

export interface TxnWireError {
  errorCode: number;
  errorMessage: string | null;
}

export const TXN_OK: TxnWireError = { errorCode: ErrorCode.NONE, errorMessage: null };

/** A coordinator failure as a wire error (an unexpected one is logged and answered UNKNOWN_SERVER_ERROR). */
export function txnWireError(err: unknown, logger: Logger): TxnWireError {
  if (err instanceof TxnError) return { errorCode: ErrorCode[err.code], errorMessage: err.message };
  // A new producer id the coordinator could not get (an unreachable etcd is retriable).
  if (err instanceof ProducerIdError)
    return { errorCode: ErrorCode[PRODUCER_ID_PROBLEM_CODES[err.problem]], errorMessage: err.message };
  logger.error({ err }, 'transaction coordinator failed');
  return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: `transaction failed: ${(err as Error).message}` };
}

/** Runs a coordinator call and answers its outcome. */
export async function txnOutcome(call: () => Promise<unknown>, logger: Logger): Promise<TxnWireError> {
  try {
    await call();
    return TXN_OK;
  } catch (err) {
    return txnWireError(err, logger);
  }
}

/** Kafka's rule: every transactional request needs Write on its transactional id. Null when allowed. */
export function transactionalIdRefusal(
  broker: BrokerContext,
  ctx: RequestContext,
  transactionalId: string,
): TxnWireError | null {
  return allowed(broker, ctx, 'Write', 'transactional-id', transactionalId)
    ? null
    : denied('Write', 'transactional-id', transactionalId, ctx);
}
