// The handler registry. Adding an API = one file under handlers/ exporting `defineHandler(TheApi, …)`
// plus one line in BROKER_HANDLERS below (the consumer-group handlers come as one GROUP_HANDLERS entry).
// APIs the protocol defines but no handler serves yet are answered UNSUPPORTED_VERSION, "not
// implemented by this broker", and ApiVersions does not list them.
import { apiByKey, type ApiVersionRange } from '../../protocol/index.js';
import { alterClientQuotasHandler } from './alter-client-quotas.js';
import { alterConfigsHandler } from './alter-configs.js';
import { alterUserScramCredentialsHandler } from './alter-user-scram-credentials.js';
import { apiVersionsHandler } from './api-versions.js';
import { authenticateHandler } from './authenticate.js';
import { createAclsHandler } from './create-acls.js';
import { createPartitionsHandler } from './create-partitions.js';
import { createTopicsHandler } from './create-topics.js';
import { deleteAclsHandler } from './delete-acls.js';
import { deleteRecordsHandler } from './delete-records.js';
import { deleteTopicsHandler } from './delete-topics.js';
import { describeAclsHandler } from './describe-acls.js';
import { describeClientQuotasHandler } from './describe-client-quotas.js';
import { describeConfigsHandler } from './describe-configs.js';
import { describeUserScramCredentialsHandler } from './describe-user-scram-credentials.js';
import { fetchHandler } from '../fetch/handler.js';
import { fetchPushHandler } from '../fetch/push.js';
import { fetchPushCreditHandler } from '../fetch/push-credit.js';
import { GROUP_HANDLERS } from './group-handlers.js';
import { initProducerIdHandler } from './init-producer-id.js';
import { addPartitionsToTxnHandler } from './add-partitions-to-txn.js';
import { addOffsetsToTxnHandler } from './add-offsets-to-txn.js';
import { endTxnHandler } from './end-txn.js';
import { txnOffsetCommitHandler } from './txn-offset-commit.js';
import { describeTransactionsHandler } from './describe-transactions.js';
import { listTransactionsHandler } from './list-transactions.js';
import { listOffsetsHandler } from './list-offsets.js';
import { metadataHandler } from './metadata.js';
import { produceHandler } from './produce.js';
import { replicaFetchHandler } from './replica-fetch.js';
import { offsetForLeaderEpochHandler } from './offset-for-leader-epoch.js';
import { electLeadersHandler } from './elect-leaders.js';
import { incrementalAlterConfigsHandler } from './incremental-alter-configs.js';
import { alterPartitionReassignmentsHandler } from './alter-partition-reassignments.js';
import { listPartitionReassignmentsHandler } from './list-partition-reassignments.js';
import { writeTxnMarkersHandler } from './write-txn-markers.js';
import { writeTxnOffsetsHandler } from './write-txn-offsets.js';
import { verifyTxnWriteHandler } from './verify-txn-write.js';
import { SHARE_HANDLERS } from './share-handlers.js';
import { saslHandshakeHandler } from './sasl-handshake.js';
import type { Handler } from './types.js';

export const BROKER_HANDLERS: readonly Handler[] = [
  apiVersionsHandler,
  metadataHandler,
  createTopicsHandler,
  deleteTopicsHandler,
  createPartitionsHandler,
  deleteRecordsHandler,
  describeConfigsHandler,
  alterConfigsHandler,
  produceHandler,
  fetchHandler,
  fetchPushHandler,
  fetchPushCreditHandler,
  listOffsetsHandler,
  initProducerIdHandler,
  addPartitionsToTxnHandler,
  addOffsetsToTxnHandler,
  endTxnHandler,
  txnOffsetCommitHandler,
  ...GROUP_HANDLERS,
  ...SHARE_HANDLERS,
  saslHandshakeHandler,
  authenticateHandler,
  describeAclsHandler,
  createAclsHandler,
  deleteAclsHandler,
  describeClientQuotasHandler,
  alterClientQuotasHandler,
  describeUserScramCredentialsHandler,
  alterUserScramCredentialsHandler,
  describeTransactionsHandler,
  listTransactionsHandler,
  replicaFetchHandler,
  offsetForLeaderEpochHandler,
  electLeadersHandler,
  incrementalAlterConfigsHandler,
  alterPartitionReassignmentsHandler,
  listPartitionReassignmentsHandler,
  writeTxnMarkersHandler,
  writeTxnOffsetsHandler,
  verifyTxnWriteHandler,
];

/** Why a request cannot be dispatched: its API is unknown, not implemented, or the version unsupported. */
export type Unroutable = { reason: string };

export class HandlerRegistry {
  private readonly byKey = new Map<number, Handler>();

  constructor(handlers: readonly Handler[] = BROKER_HANDLERS) {
    for (const handler of handlers) {
      if (this.byKey.has(handler.api.key))
        throw new Error(`two handlers for API ${handler.api.name} (${handler.api.key})`);
      this.byKey.set(handler.api.key, handler);
    }
  }

  /** The handler for this request, or why there is none (answered UNSUPPORTED_VERSION). */
  route(apiKey: number, apiVersion: number): Handler | Unroutable {
    const handler = this.byKey.get(apiKey);
    if (!handler) {
      const known = apiByKey(apiKey);
      return {
        reason: known
          ? `${known.name} (apiKey ${apiKey}) is not implemented by this broker yet`
          : `unknown apiKey ${apiKey}`,
      };
    }
    const { minVersion, maxVersion, name } = handler.api;
    if (apiVersion < minVersion || apiVersion > maxVersion) {
      return {
        reason: `${name} version ${apiVersion} is not supported (this broker serves ${minVersion}..${maxVersion})`,
      };
    }
    return handler;
  }

  versions(): ApiVersionRange[] {
    return [...this.byKey.values()]
      .map((h) => ({ apiKey: h.api.key, minVersion: h.api.minVersion, maxVersion: h.api.maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
  }
}

export { defineHandler, NO_RESPONSE } from './types.js';
export type { BrokerContext, Handler, RequestContext } from './types.js';
