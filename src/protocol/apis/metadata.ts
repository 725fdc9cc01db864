// Metadata: brokers, topics, partitions and their leaders. Auto-creates topics when asked and allowed.
import { ApiKey, type ApiSpec, defineApi, type NativeApi } from '../api-keys.js';
import { array, bool, int, message, type MessageValue, string, struct } from '../schema.js';
import { errorCode, errorMessage, partitionIndex, topicName, throttleTimeMs } from './fields.js';

export const MetadataRequestDef = message({
  name: 'MetadataRequest',
  type: 'request',
  apiKey: ApiKey.Metadata,
  validVersions: '0',
  fields: {
    topics: array(topicName(), { nullableVersions: '0+', doc: 'nil = all topics' }),
    allowAutoTopicCreation: bool({ default: false }),
    includeInternal: bool({ default: false, doc: "with topics nil: list the broker's internal topics too" }),
  },
});

export const MetadataResponseDef = message({
  name: 'MetadataResponse',
  type: 'response',
  apiKey: ApiKey.Metadata,
  validVersions: '0',
  fields: {
    throttleTimeMs: throttleTimeMs(),
    brokers: array(struct({ nodeId: int(), host: string(), port: int({ min: 0, max: 65535 }) })),
    clusterId: string(),
    controllerId: int(),
    topics: array(
      struct({
        name: string(),
        errorCode: errorCode(),
        errorMessage: errorMessage(),
        isInternal: bool({ default: false }),
        partitions: array(
          struct({
            partition: partitionIndex(),
            errorCode: errorCode(),
            leader: int(),
            replicas: array(int()),
            isr: array(int()),
          }),
        ),
      }),
    ),
  },
});

/** includeInternal may be left out when sending (it defaults to false), as before definitions existed. */
export type MetadataRequest = Omit<MessageValue<typeof MetadataRequestDef>, 'includeInternal'> & {
  includeInternal?: boolean;
};
export type MetadataResponse = MessageValue<typeof MetadataResponseDef>;
export type BrokerInfo = MetadataResponse['brokers'][number];
export type TopicMetadata = MetadataResponse['topics'][number];
export type PartitionMetadata = TopicMetadata['partitions'][number];

export const MetadataApi: NativeApi<typeof MetadataRequestDef, typeof MetadataResponseDef> &
  ApiSpec<MetadataRequest, MetadataResponse> = defineApi({
  key: ApiKey.Metadata,
  name: 'Metadata',
  request: MetadataRequestDef,
  response: MetadataResponseDef,
});
