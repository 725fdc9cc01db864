// Kafka's numbers for config resources and sources, and Sluice's names for them (DescribeConfigs and
// AlterConfigs). Sluice has topic and broker resources only.
import { ErrorCode } from '../../../protocol/index.js';
import type { ConfigSource, ResourceType } from '../../../protocol/index.js';
import { PARTITIONS_KEY } from '../../registries/topic-config.js';

/** Kafka's ConfigResource.Type: 2 = TOPIC, 4 = BROKER. */
const RESOURCE_BY_NUMBER: ReadonlyMap<number, ResourceType> = new Map([
  [2, 'topic'],
  [4, 'broker'],
]);

export function resourceType(kafkaType: number): ResourceType | undefined {
  return RESOURCE_BY_NUMBER.get(kafkaType);
}

/** Kafka's DescribeConfigs ConfigSource: 1 topic config, 4 static broker config, 5 default. */
export const CONFIG_SOURCE_NUMBERS: Readonly<Record<ConfigSource, number>> = {
  topic: 1,
  broker: 4,
  default: 5,
};

export const UNSUPPORTED_RESOURCE = {
  errorCode: ErrorCode.INVALID_REQUEST,
  errorMessage: 'only topic (2) and broker (4) config resources exist on this broker',
};

/**
 * The native door's pseudo-config `partitions` (PARTITIONS_KEY) is no Kafka topic config, and Kafka refuses
 * unknown configs: CreateTopics and AlterConfigs on this door refuse it rather than quietly resize a topic.
 */
export function partitionsConfigRefusal(api: 'CreateTopics' | 'AlterConfigs') {
  const instead =
    api === 'CreateTopics'
      ? 'give the count as numPartitions, and grow a topic later with CreatePartitions'
      : 'grow a topic with CreatePartitions';
  return {
    errorCode: ErrorCode.INVALID_CONFIG,
    errorMessage: `"${PARTITIONS_KEY}" is not a Kafka topic config: ${instead}`,
  };
}
