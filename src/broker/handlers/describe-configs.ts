// DescribeConfigs: a topic's effective configs with their source (topic override, broker setting or
// built-in default), and the broker's own settings (read-only at runtime).
import { DescribeConfigsApi, ErrorCode, type ConfigEntry, type DescribeConfigsResult } from '../../protocol/index.js';
import { formatFlushPolicy } from '../config.js';
import { describeTopicConfigs } from '../registries/topic-config.js';
import { defineHandler, type BrokerContext } from './types.js';
import { allowed, denied } from '../security/acl/authorize.js';
import { CLUSTER_NAME } from '../security/acl/types.js';

function brokerEntries(broker: BrokerContext): ConfigEntry[] {
  const c = broker.config;
  const d = c.topicDefaults;
  const values: Array<[string, string]> = [
    ['broker.id', String(c.nodeId)],
    ['cluster.id', broker.clusterId],
    ['listeners', `${c.host}:${broker.port}`],
    ['advertised.host', c.advertisedHost],
    ['advertised.port', String(broker.advertisedPort)],
    ['auto.create.topics.enable', String(c.autoCreateTopics)],
    ['num.partitions', String(c.defaultPartitions)],
    ['log.retention.ms', String(d.retentionMs)],
    ['log.retention.bytes', String(d.retentionBytes)],
    ['log.segment.bytes', String(d.segmentBytes)],
    ['log.roll.ms', String(d.segmentMs)],
    ['log.index.interval.bytes', String(d.indexIntervalBytes)],
    ['message.max.bytes', String(d.maxMessageBytes)],
    ['log.message.timestamp.before.max.ms', String(d.messageTimestampBeforeMaxMs)],
    ['log.message.timestamp.after.max.ms', String(d.messageTimestampAfterMaxMs)],
    ['flush', formatFlushPolicy(d.flush)],
    ['socket.request.max.bytes', String(c.maxFrameBytes)],
  ];
  return values.map(([name, value]) => ({
    name,
    value,
    readOnly: true,
    isDefault: false,
    source: 'broker',
    isSensitive: false,
  }));
}

export const describeConfigsHandler = defineHandler(DescribeConfigsApi, (request, broker, ctx) => {
  const resources: DescribeConfigsResult[] = request.resources.map((r) => {
    const base = { type: r.type, name: r.name };
    const resource = r.type === 'broker' ? 'cluster' : 'topic';
    if (!allowed(broker, ctx, 'DescribeConfigs', resource, resource === 'cluster' ? CLUSTER_NAME : r.name))
      return { ...base, ...denied('DescribeConfigs', resource, r.name, ctx), configs: [] };
    if (r.type === 'broker') {
      const all = brokerEntries(broker);
      const configs = r.configNames === null ? all : all.filter((e) => r.configNames!.includes(e.name));
      return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs };
    }
    const topic = broker.topics.get(r.name);
    if (!topic) {
      return {
        ...base,
        errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        errorMessage: `topic "${r.name}" does not exist`,
        configs: [],
      };
    }
    const configs = describeTopicConfigs(topic.configs, topic.partitions, broker.config.topicDefaults, r.configNames);
    return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs };
  });
  return { resources };
});
