// The admin client's transaction calls (kafkajs has none; the names and fields are those of Kafka's Java
// AdminClient, in kafkajs's style of returning { <things>: [...] }):
//   listTransactions({ states?, producerIds?, durationMs? })
//       { transactions: [{ transactionalId, producerId, state }] }, from every broker's coordinator
//   describeTransactions(transactionalIds)
//       { transactions: [{ transactionalId, errorCode, errorMessage, state, producerId, producerEpoch,
//         transactionTimeoutMs, transactionStartTimeMs (null: none began), topics: [{ topic, partitions }] }] }
//       an unknown id comes back with errorCode TRANSACTIONAL_ID_NOT_FOUND (105), a forbidden one with
//       TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53), as describeGroups reports per-group errors.
import { DescribeTransactionsApi, ErrorCode, FindCoordinatorApi, ListTransactionsApi } from '../protocol/index.js';
import type { Cluster } from './cluster.js';
import type { Connection } from './connection.js';
import { SluiceNonRetriableError, SluiceProtocolError } from './errors.js';

/** Kafka's transaction states. */
export type TransactionState =
  | 'Empty'
  | 'Ongoing'
  | 'PrepareCommit'
  | 'PrepareAbort'
  | 'CompleteCommit'
  | 'CompleteAbort';

export interface TransactionListing {
  transactionalId: string;
  producerId: number;
  state: TransactionState;
}

export interface TransactionDescription {
  transactionalId: string;
  errorCode: number;
  errorMessage: string | null;
  state: TransactionState | '';
  producerId: number;
  producerEpoch: number;
  transactionTimeoutMs: number;
  /** When the current or last transaction began (ms since the epoch), as Kafka reports it; null: none began. */
  transactionStartTimeMs: number | null;
  /** The partitions of the open transaction. */
  topics: Array<{ topic: string; partitions: number[] }>;
}

export interface ListTransactionsOptions {
  /** Only these states (Kafka's names); all when absent or empty. */
  states?: TransactionState[];
  /** Only these producer ids; all when absent or empty. */
  producerIds?: number[];
  /** Only transactions open for longer than this many ms. */
  durationMs?: number;
}

type Run = <T>(fn: () => Promise<T>) => Promise<T>;

/** FindCoordinator's key type for a transactional id. */
const TRANSACTION_COORDINATOR = 1;

export class AdminTransactions {
  constructor(
    private readonly cluster: Cluster,
    private readonly run: Run,
  ) {}

  listTransactions(options: ListTransactionsOptions = {}): Promise<{ transactions: TransactionListing[] }> {
    const { states = [], producerIds = [], durationMs } = options ?? {};
    if (!Array.isArray(states) || !Array.isArray(producerIds))
      throw new SluiceNonRetriableError('Invalid options: states and producerIds must be arrays');
    if (durationMs !== undefined && (!Number.isSafeInteger(durationMs) || durationMs < 0))
      throw new SluiceNonRetriableError(`Invalid durationMs ${durationMs}: a number of milliseconds ≥ 0`);
    return this.run(async () => {
      const metadata = await this.cluster.fetchMetadata([]);
      const nodes = metadata.brokers.length > 0 ? metadata.brokers.map((b) => b.nodeId) : [null];
      const answers = await Promise.all(
        nodes.map(async (nodeId) => {
          const connection =
            nodeId === null ? await this.cluster.anyConnection() : await this.cluster.nodeConnection(nodeId);
          return connection.send(ListTransactionsApi, {
            stateFilters: states,
            producerIdFilters: producerIds,
            durationFilter: durationMs ?? -1,
          });
        }),
      );
      const transactions = new Map<string, TransactionListing>();
      for (const r of answers) {
        if (r.errorCode !== 0) throw new SluiceProtocolError(r.errorCode);
        if (r.unknownStateFilters.length > 0)
          throw new SluiceNonRetriableError(`Unknown transaction states: ${r.unknownStateFilters.join(', ')}`);
        for (const t of r.transactionStates) {
          transactions.set(t.transactionalId, {
            transactionalId: t.transactionalId,
            producerId: t.producerId,
            state: t.transactionState as TransactionState,
          });
        }
      }
      return {
        transactions: [...transactions.values()].sort((a, b) => a.transactionalId.localeCompare(b.transactionalId)),
      };
    });
  }

  describeTransactions(transactionalIds: string[]): Promise<{ transactions: TransactionDescription[] }> {
    if (!Array.isArray(transactionalIds) || transactionalIds.some((id) => typeof id !== 'string' || id === ''))
      throw new SluiceNonRetriableError('Invalid transactionalIds: give an array of non-empty strings');
    return this.run(async () => {
      const transactions = await Promise.all(
        transactionalIds.map(async (transactionalId): Promise<TransactionDescription> => {
          let connection: Connection;
          try {
            connection = await this.coordinator(transactionalId);
          } catch (error) {
            // Errors are per id, as Kafka's AdminClient reports them: an id whose coordinator the
            // principal may not look up (TRANSACTIONAL_ID_AUTHORIZATION_FAILED) does not fail the others.
            if (!(error instanceof SluiceProtocolError) || error.retriable) throw error;
            return unknownTransaction(transactionalId, error.code, error.message);
          }
          const r = await connection.send(DescribeTransactionsApi, { transactionalIds: [transactionalId] });
          const t = r.transactionStates[0]!;
          // The coordinator moved or is loading since FindCoordinator answered: retried (Run) from the lookup.
          if (t.errorCode === ErrorCode.NOT_COORDINATOR || t.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS)
            throw new SluiceProtocolError(t.errorCode, t.errorMessage ?? undefined);
          return {
            transactionalId,
            errorCode: t.errorCode,
            errorMessage: t.errorMessage,
            state: t.transactionState as TransactionState | '',
            producerId: t.producerId,
            producerEpoch: t.producerEpoch,
            transactionTimeoutMs: t.transactionTimeoutMs,
            transactionStartTimeMs: t.transactionStartTimeMs < 0 ? null : t.transactionStartTimeMs,
            topics: t.topics.map((topic) => ({ topic: topic.topic, partitions: [...topic.partitions] })),
          };
        }),
      );
      return { transactions };
    });
  }

  private async coordinator(transactionalId: string): Promise<Connection> {
    const any = await this.cluster.anyConnection();
    const r = await any.send(FindCoordinatorApi, { key: transactionalId, keyType: TRANSACTION_COORDINATOR });
    if (r.errorCode !== 0) throw new SluiceProtocolError(r.errorCode, r.errorMessage ?? undefined);
    if (r.host === '0.0.0.0' || r.host === '::' || `${r.host}:${r.port}` === any.broker) return any;
    return this.cluster.connectionTo({ host: r.host, port: r.port });
  }
}

/** The answer for an id the coordinator could not be asked about. */
function unknownTransaction(transactionalId: string, errorCode: number, errorMessage: string): TransactionDescription {
  return {
    transactionalId,
    errorCode,
    errorMessage,
    state: '',
    producerId: -1,
    producerEpoch: -1,
    transactionTimeoutMs: 0,
    transactionStartTimeMs: null,
    topics: [],
  };
}
