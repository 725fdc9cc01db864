// Every Kafka API this listener serves, one handler each.
import type { KafkaHandler } from '../handler.js';
import { kafkaAlterClientQuotasHandler } from './alter-client-quotas.js';
import { kafkaAlterConfigsHandler } from './alter-configs.js';
import { kafkaAlterUserScramCredentialsHandler } from './alter-user-scram-credentials.js';
import { apiVersionsHandler } from './api-versions.js';
import { kafkaCreateAclsHandler } from './create-acls.js';
import { kafkaCreatePartitionsHandler } from './create-partitions.js';
import { kafkaCreateTopicsHandler } from './create-topics.js';
import { kafkaDeleteAclsHandler } from './delete-acls.js';
import { kafkaDeleteGroupsHandler } from './delete-groups.js';
import { kafkaDeleteRecordsHandler } from './delete-records.js';
import { kafkaDeleteTopicsHandler } from './delete-topics.js';
import { kafkaDescribeAclsHandler } from './describe-acls.js';
import { kafkaDescribeClientQuotasHandler } from './describe-client-quotas.js';
import { kafkaDescribeConfigsHandler } from './describe-configs.js';
import { kafkaDescribeUserScramCredentialsHandler } from './describe-user-scram-credentials.js';
import { kafkaDescribeGroupsHandler } from './describe-groups.js';
import { kafkaFetchHandler } from './fetch.js';
import { kafkaFindCoordinatorHandler } from './find-coordinator.js';
import { kafkaHeartbeatHandler } from './heartbeat.js';
import { kafkaInitProducerIdHandler } from './init-producer-id.js';
import { kafkaAddPartitionsToTxnHandler } from './add-partitions-to-txn.js';
import { kafkaAddOffsetsToTxnHandler } from './add-offsets-to-txn.js';
import { kafkaEndTxnHandler } from './end-txn.js';
import { kafkaDescribeTransactionsHandler } from './describe-transactions.js';
import { kafkaListTransactionsHandler } from './list-transactions.js';
import { kafkaTxnOffsetCommitHandler } from './txn-offset-commit.js';
import { kafkaJoinGroupHandler } from './join-group.js';
import { kafkaLeaveGroupHandler } from './leave-group.js';
import { kafkaListGroupsHandler } from './list-groups.js';
import { kafkaListOffsetsHandler } from './list-offsets.js';
import { kafkaMetadataHandler } from './metadata.js';
import { kafkaOffsetCommitHandler } from './offset-commit.js';
import { kafkaOffsetFetchHandler } from './offset-fetch.js';
import { kafkaProduceHandler } from './produce.js';
import { kafkaSaslAuthenticateHandler } from './sasl-authenticate.js';
import { kafkaSaslHandshakeHandler } from './sasl-handshake.js';
import { kafkaSyncGroupHandler } from './sync-group.js';
import { kafkaElectLeadersHandler } from './elect-leaders.js';
import { kafkaIncrementalAlterConfigsHandler } from './incremental-alter-configs.js';
import { kafkaAlterPartitionReassignmentsHandler } from './alter-partition-reassignments.js';
import { kafkaListPartitionReassignmentsHandler } from './list-partition-reassignments.js';

export const KAFKA_HANDLERS: readonly KafkaHandler[] = [
  kafkaProduceHandler,
  kafkaFetchHandler,
  kafkaListOffsetsHandler,
  kafkaMetadataHandler,
  kafkaOffsetCommitHandler,
  kafkaOffsetFetchHandler,
  kafkaFindCoordinatorHandler,
  kafkaJoinGroupHandler,
  kafkaHeartbeatHandler,
  kafkaLeaveGroupHandler,
  kafkaSyncGroupHandler,
  kafkaDescribeGroupsHandler,
  kafkaListGroupsHandler,
  apiVersionsHandler,
  kafkaCreateTopicsHandler,
  kafkaDeleteTopicsHandler,
  kafkaDeleteRecordsHandler,
  kafkaInitProducerIdHandler,
  kafkaAddPartitionsToTxnHandler,
  kafkaAddOffsetsToTxnHandler,
  kafkaEndTxnHandler,
  kafkaTxnOffsetCommitHandler,
  kafkaDescribeConfigsHandler,
  kafkaAlterConfigsHandler,
  kafkaCreatePartitionsHandler,
  kafkaDeleteGroupsHandler,
  kafkaSaslHandshakeHandler,
  kafkaSaslAuthenticateHandler,
  kafkaDescribeAclsHandler,
  kafkaCreateAclsHandler,
  kafkaDeleteAclsHandler,
  kafkaDescribeClientQuotasHandler,
  kafkaAlterClientQuotasHandler,
  kafkaDescribeUserScramCredentialsHandler,
  kafkaAlterUserScramCredentialsHandler,
  kafkaDescribeTransactionsHandler,
  kafkaListTransactionsHandler,
  kafkaElectLeadersHandler,
  kafkaIncrementalAlterConfigsHandler,
  kafkaAlterPartitionReassignmentsHandler,
  kafkaListPartitionReassignmentsHandler,
] as unknown as readonly KafkaHandler[];
