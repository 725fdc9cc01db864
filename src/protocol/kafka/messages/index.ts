// Every Kafka API this codec defines, in key order.
import type { KafkaApi } from '../api.js';
import { AlterClientQuotas } from './alter-client-quotas.js';
import { AlterConfigs } from './alter-configs.js';
import { AlterUserScramCredentials } from './alter-user-scram-credentials.js';
import { ApiVersions } from './api-versions.js';
import { CreateAcls } from './create-acls.js';
import { CreatePartitions } from './create-partitions.js';
import { CreateTopics } from './create-topics.js';
import { DeleteAcls } from './delete-acls.js';
import { DeleteGroups } from './delete-groups.js';
import { DeleteRecords } from './delete-records.js';
import { DeleteTopics } from './delete-topics.js';
import { DescribeAcls } from './describe-acls.js';
import { DescribeClientQuotas } from './describe-client-quotas.js';
import { DescribeConfigs } from './describe-configs.js';
import { DescribeUserScramCredentials } from './describe-user-scram-credentials.js';
import { DescribeGroups } from './describe-groups.js';
import { Fetch } from './fetch.js';
import { FindCoordinator } from './find-coordinator.js';
import { Heartbeat } from './heartbeat.js';
import { IncrementalAlterConfigs } from './incremental-alter-configs.js';
import { ElectLeaders } from './elect-leaders.js';
import { AlterPartitionReassignments } from './alter-partition-reassignments.js';
import { ListPartitionReassignments } from './list-partition-reassignments.js';
import { InitProducerId } from './init-producer-id.js';
import { AddPartitionsToTxn } from './add-partitions-to-txn.js';
import { AddOffsetsToTxn } from './add-offsets-to-txn.js';
import { EndTxn } from './end-txn.js';
import { DescribeTransactions } from './describe-transactions.js';
import { ListTransactions } from './list-transactions.js';
import { TxnOffsetCommit } from './txn-offset-commit.js';
import { JoinGroup } from './join-group.js';
import { LeaveGroup } from './leave-group.js';
import { ListGroups } from './list-groups.js';
import { ListOffsets } from './list-offsets.js';
import { Metadata } from './metadata.js';
import { OffsetCommit } from './offset-commit.js';
import { OffsetFetch } from './offset-fetch.js';
import { Produce } from './produce.js';
import { SaslAuthenticate } from './sasl-authenticate.js';
import { SaslHandshake } from './sasl-handshake.js';
import { SyncGroup } from './sync-group.js';

export * from './alter-client-quotas.js';
export * from './alter-configs.js';
export * from './alter-user-scram-credentials.js';
export * from './api-versions.js';
export * from './create-acls.js';
export * from './create-partitions.js';
export * from './consumer-protocol.js';
export * from './create-topics.js';
export * from './delete-acls.js';
export * from './delete-groups.js';
export * from './delete-records.js';
export * from './delete-topics.js';
export * from './describe-acls.js';
export * from './describe-client-quotas.js';
export * from './describe-configs.js';
export * from './describe-user-scram-credentials.js';
export * from './describe-groups.js';
export * from './fetch.js';
export * from './find-coordinator.js';
export * from './heartbeat.js';
export * from './incremental-alter-configs.js';
export * from './elect-leaders.js';
export * from './alter-partition-reassignments.js';
export * from './list-partition-reassignments.js';
export * from './init-producer-id.js';
export * from './add-partitions-to-txn.js';
export * from './add-offsets-to-txn.js';
export * from './end-txn.js';
export * from './describe-transactions.js';
export * from './list-transactions.js';
export * from './txn-offset-commit.js';
export * from './join-group.js';
export * from './leave-group.js';
export * from './list-groups.js';
export * from './list-offsets.js';
export * from './metadata.js';
export * from './offset-commit.js';
export * from './offset-fetch.js';
export * from './produce.js';
export * from './sasl-authenticate.js';
export * from './sasl-handshake.js';
export * from './sync-group.js';

export const KAFKA_APIS: readonly KafkaApi[] = Object.freeze(
  [
    Produce,
    Fetch,
    ListOffsets,
    Metadata,
    OffsetCommit,
    OffsetFetch,
    FindCoordinator,
    JoinGroup,
    Heartbeat,
    LeaveGroup,
    SyncGroup,
    DescribeGroups,
    ListGroups,
    SaslHandshake,
    ApiVersions,
    CreateTopics,
    DeleteTopics,
    DeleteRecords,
    InitProducerId,
    AddPartitionsToTxn,
    AddOffsetsToTxn,
    EndTxn,
    TxnOffsetCommit,
    DescribeConfigs,
    AlterConfigs,
    SaslAuthenticate,
    CreatePartitions,
    DeleteGroups,
    IncrementalAlterConfigs,
    ElectLeaders,
    AlterPartitionReassignments,
    ListPartitionReassignments,
    DescribeAcls,
    CreateAcls,
    DeleteAcls,
    DescribeClientQuotas,
    AlterClientQuotas,
    DescribeUserScramCredentials,
    AlterUserScramCredentials,
    DescribeTransactions,
    ListTransactions,
  ].sort((a, b) => a.key - b.key) as KafkaApi[],
);

const byKey = new Map(KAFKA_APIS.map((a) => [a.key, a]));

export function kafkaApi(key: number): KafkaApi | undefined {
  return byKey.get(key);
}
