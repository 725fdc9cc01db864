// Registry of every protocol API, by key.
import type { AnyNativeApi } from '../api-keys.js';
import { AlterConfigsApi } from './alter-configs.js';
import { ApiVersionsApi } from './api-versions.js';
import { AuthenticateApi } from './authenticate.js';
import { CreateAclsApi } from './create-acls.js';
import { CreatePartitionsApi } from './create-partitions.js';
import { CreateTopicsApi } from './create-topics.js';
import { DeleteAclsApi } from './delete-acls.js';
import { DeleteGroupsApi } from './delete-groups.js';
import { DeleteRecordsApi } from './delete-records.js';
import { DeleteTopicsApi } from './delete-topics.js';
import { DescribeAclsApi } from './describe-acls.js';
import { DescribeConfigsApi } from './describe-configs.js';
import { DescribeGroupsApi } from './describe-groups.js';
import { FetchApi } from './fetch.js';
import { FetchPushApi } from './fetch-push.js';
import { FetchPushCreditApi } from './fetch-push-credit.js';
import { FindCoordinatorApi } from './find-coordinator.js';
import { HeartbeatApi } from './heartbeat.js';
import { InitProducerIdApi } from './init-producer-id.js';
import { AddPartitionsToTxnApi } from './add-partitions-to-txn.js';
import { AddOffsetsToTxnApi } from './add-offsets-to-txn.js';
import { EndTxnApi } from './end-txn.js';
import { DescribeTransactionsApi } from './describe-transactions.js';
import { ListTransactionsApi } from './list-transactions.js';
import { TxnOffsetCommitApi } from './txn-offset-commit.js';
import { JoinGroupApi } from './join-group.js';
import { LeaveGroupApi } from './leave-group.js';
import { ListGroupsApi } from './list-groups.js';
import { ListOffsetsApi } from './list-offsets.js';
import { MetadataApi } from './metadata.js';
import { OffsetCommitApi } from './offset-commit.js';
import { OffsetFetchApi } from './offset-fetch.js';
import { ProduceApi } from './produce.js';
import { SaslHandshakeApi } from './sasl-handshake.js';
import { SyncGroupApi } from './sync-group.js';
import { AlterShareGroupOffsetsApi } from './alter-share-group-offsets.js';
import { DeleteShareGroupsApi } from './delete-share-groups.js';
import { ListShareGroupsApi } from './list-share-groups.js';
import { ShareAcknowledgeApi } from './share-acknowledge.js';
import { ShareFetchApi } from './share-fetch.js';
import { ShareGroupDescribeApi } from './share-group-describe.js';
import { ShareGroupHeartbeatApi } from './share-group-heartbeat.js';
import { AlterClientQuotasApi } from './alter-client-quotas.js';
import { DescribeClientQuotasApi } from './describe-client-quotas.js';
import { AlterUserScramCredentialsApi } from './alter-user-scram-credentials.js';
import { DescribeUserScramCredentialsApi } from './describe-user-scram-credentials.js';
import { ReplicaFetchApi } from './replica-fetch.js';
import { OffsetForLeaderEpochApi } from './offset-for-leader-epoch.js';
import { ElectLeadersApi } from './elect-leaders.js';
import { IncrementalAlterConfigsApi } from './incremental-alter-configs.js';
import { AlterPartitionReassignmentsApi } from './alter-partition-reassignments.js';
import { ListPartitionReassignmentsApi } from './list-partition-reassignments.js';
import { WriteTxnMarkersApi } from './write-txn-markers.js';
import { WriteTxnOffsetsApi } from './write-txn-offsets.js';
import { VerifyTxnWriteApi } from './verify-txn-write.js';

export const ALL_APIS: readonly AnyNativeApi[] = [
  ApiVersionsApi,
  MetadataApi,
  CreateTopicsApi,
  DeleteTopicsApi,
  CreatePartitionsApi,
  DeleteRecordsApi,
  DescribeConfigsApi,
  AlterConfigsApi,
  ProduceApi,
  FetchApi,
  FetchPushApi,
  FetchPushCreditApi,
  ListOffsetsApi,
  FindCoordinatorApi,
  JoinGroupApi,
  SyncGroupApi,
  HeartbeatApi,
  LeaveGroupApi,
  OffsetCommitApi,
  OffsetFetchApi,
  ListGroupsApi,
  DescribeGroupsApi,
  DeleteGroupsApi,
  InitProducerIdApi,
  AddPartitionsToTxnApi,
  AddOffsetsToTxnApi,
  EndTxnApi,
  TxnOffsetCommitApi,
  ShareGroupHeartbeatApi,
  ShareGroupDescribeApi,
  ShareFetchApi,
  ShareAcknowledgeApi,
  AlterShareGroupOffsetsApi,
  ListShareGroupsApi,
  DeleteShareGroupsApi,
  SaslHandshakeApi,
  AuthenticateApi,
  DescribeAclsApi,
  CreateAclsApi,
  DeleteAclsApi,
  DescribeClientQuotasApi,
  AlterClientQuotasApi,
  DescribeUserScramCredentialsApi,
  AlterUserScramCredentialsApi,
  DescribeTransactionsApi,
  ListTransactionsApi,
  ReplicaFetchApi,
  OffsetForLeaderEpochApi,
  ElectLeadersApi,
  IncrementalAlterConfigsApi,
  AlterPartitionReassignmentsApi,
  ListPartitionReassignmentsApi,
  WriteTxnMarkersApi,
  WriteTxnOffsetsApi,
  VerifyTxnWriteApi,
];

const byKey = new Map<number, AnyNativeApi>(ALL_APIS.map((api) => [api.key, api]));

export function apiByKey(key: number): AnyNativeApi | undefined {
  return byKey.get(key);
}

export * from './alter-configs.js';
export * from './elect-leaders.js';
export * from './incremental-alter-configs.js';
export * from './alter-partition-reassignments.js';
export * from './list-partition-reassignments.js';
export * from './api-versions.js';
export * from './authenticate.js';
export * from './acl-fields.js';
export * from './create-acls.js';
export * from './create-partitions.js';
export * from './create-topics.js';
export * from './delete-acls.js';
export * from './delete-groups.js';
export * from './delete-records.js';
export * from './delete-topics.js';
export * from './describe-acls.js';
export * from './describe-configs.js';
export * from './describe-groups.js';
export * from './fetch.js';
export * from './fetch-push.js';
export * from './fetch-push-credit.js';
export * from './find-coordinator.js';
export * from './heartbeat.js';
export * from './init-producer-id.js';
export * from './add-partitions-to-txn.js';
export * from './add-offsets-to-txn.js';
export * from './end-txn.js';
export * from './describe-transactions.js';
export * from './list-transactions.js';
export * from './txn-offset-commit.js';
export * from './txn-fields.js';
export * from './join-group.js';
export * from './leave-group.js';
export * from './list-groups.js';
export * from './list-offsets.js';
export * from './metadata.js';
export * from './offset-commit.js';
export * from './offset-fetch.js';
export * from './produce.js';
export * from './sasl-handshake.js';
export * from './sync-group.js';
export * from './alter-share-group-offsets.js';
export * from './delete-share-groups.js';
export * from './list-share-groups.js';
export * from './share-acknowledge.js';
export * from './share-fetch.js';
export * from './share-group-describe.js';
export * from './share-group-heartbeat.js';
export * from './share-fields.js';
export * from './quota-fields.js';
export * from './describe-client-quotas.js';
export * from './alter-client-quotas.js';
export * from './describe-user-scram-credentials.js';
export * from './alter-user-scram-credentials.js';
export * from './replica-fetch.js';
export * from './offset-for-leader-epoch.js';
export * from './write-txn-markers.js';
export * from './write-txn-offsets.js';
export * from './verify-txn-write.js';
