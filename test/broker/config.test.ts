// Broker config validation, topic config parsing, and the handler registry's routing rules.
import { describe, expect, it } from 'vitest';
import { BrokerConfigError, parseFlushPolicy, resolveBrokerConfig } from '../../src/broker/index.js';
import { apiVersionsHandler } from '../../src/broker/handlers/api-versions.js';
import { BROKER_HANDLERS, HandlerRegistry } from '../../src/broker/handlers/index.js';
import {
  applyConfigChanges,
  describeTopicConfigs,
  parseTopicConfig,
  partitionConfigFor,
} from '../../src/broker/registries/topic-config.js';
import { ApiKey } from '../../src/protocol/index.js';

describe('resolveBrokerConfig', () => {
  it('fills defaults and freezes', () => {
    const c = resolveBrokerConfig({ dataDir: '/tmp/x' });
    expect(c).toMatchObject({
      host: '127.0.0.1',
      port: 9650,
      advertisedHost: '127.0.0.1',
      autoCreateTopics: true,
      defaultPartitions: 1,
      maxFrameBytes: 100 * 1024 * 1024,
    });
    expect(c.topicDefaults.flush).toEqual({ kind: 'os' });
    expect(c.producerIdExpirationMs).toBe(24 * 60 * 60 * 1000);
    expect(c.connectionsMaxIdleMs).toBe(10 * 60 * 1000);
    expect(c.tailCacheTotalBytes).toBe(256 * 1024 * 1024);
    expect(c.headerLimits).toEqual({ maxHeaderBytes: 1024 * 1024, maxHeaderItems: 131_072, maxHeaderDepth: 32 });
    expect(c).toMatchObject({
      maxInFlightBytes: 256 * 1024 * 1024,
      maxConnectionInFlightBytes: 128 * 1024 * 1024,
      maxConnections: 10_000,
      maxConnectionsPerAddress: 1000,
    });
    expect(c.groups.maxGroupSize).toBe(1000);
    // A larger frame limit raises the default budget with it: a frame must always be able to fit.
    expect(resolveBrokerConfig({ dataDir: '/x', maxFrameBytes: 512 * 1024 * 1024 }).maxInFlightBytes).toBe(
      512 * 1024 * 1024,
    );
    // A small frame limit shrinks the default header limit with it.
    expect(resolveBrokerConfig({ dataDir: '/x', maxFrameBytes: 4096 }).headerLimits.maxHeaderBytes).toBe(4092);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.topicDefaults)).toBe(true);
  });

  it('advertises loopback for a wildcard host, else the bound host; the bound port unless told', () => {
    expect(
      resolveBrokerConfig({ dataDir: '/tmp/x', host: '0.0.0.0', security: { insecureAllowAnonymous: true } })
        .advertisedHost,
    ).toBe('127.0.0.1');
    expect(
      resolveBrokerConfig({ dataDir: '/tmp/x', host: '::', security: { insecureAllowAnonymous: true } }).advertisedHost,
    ).toBe('127.0.0.1');
    expect(
      resolveBrokerConfig({ dataDir: '/tmp/x', host: '10.1.2.3', security: { insecureAllowAnonymous: true } })
        .advertisedHost,
    ).toBe('10.1.2.3');
    expect(resolveBrokerConfig({ dataDir: '/tmp/x' }).advertisedPort).toBeNull();
    expect(resolveBrokerConfig({ dataDir: '/tmp/x', advertisedPort: 19092 }).advertisedPort).toBe(19092);
    expect(() => resolveBrokerConfig({ dataDir: '/tmp/x', advertisedPort: 0 })).toThrow(
      'advertisedPort must be between 1 and 65535, got 0',
    );
  });

  it('says clearly what is wrong', () => {
    const bad: Array<[object, RegExp]> = [
      [{}, /dataDir is required/],
      [{ dataDir: '/x', port: 70000 }, /port must be between 0 and 65535, got 70000/],
      [{ dataDir: '/x', port: '9650' }, /port must be an integer/],
      [{ dataDir: '/x', flush: 'sometimes' }, /flush must be "always", "os" or a positive number of milliseconds/],
      [{ dataDir: '/x', defaultPartitions: 0 }, /defaultPartitions must be between 1/],
      [{ dataDir: '/x', autoCreateTopics: 'yes' }, /autoCreateTopics must be true or false/],
      [{ dataDir: '/x', prot: 1 }, /prot is not a broker option/],
      [{ dataDir: '/x', topicDefaults: { segmentBytes: 10 } }, /topicDefaults.segmentBytes must be between 1024/],
      [{ dataDir: '/x', producerIdExpirationMs: 0 }, /producerIdExpirationMs must be between 1/],
      [{ dataDir: '/x', tailCacheTotalBytes: -1 }, /tailCacheTotalBytes must be between 0/],
      [
        { dataDir: '/x', maxFrameBytes: 65536, maxHeaderBytes: 65536 },
        /maxHeaderBytes must not exceed maxFrameBytes - 4 \(65532\), got 65536/,
      ],
      [{ dataDir: '/x', maxHeaderItems: 1 }, /maxHeaderItems must be between 16/],
      [
        { dataDir: '/x', maxFrameBytes: 200 * 1024 * 1024, maxInFlightBytes: 100 * 1024 * 1024 },
        /maxFrameBytes \(209715200\) must not exceed maxInFlightBytes \(104857600\)/,
      ],
      [
        { dataDir: '/x', maxConnections: 10, maxConnectionsPerAddress: 11 },
        /maxConnectionsPerAddress must be between 1 and 10/,
      ],
      [
        { dataDir: '/x', groups: { maxGroupSize: -1 } },
        /groups group coordinator config maxGroupSize must be a non-negative/,
      ],
      [{ dataDir: '/x', groups: { maxGroupSise: 5 } }, /groups maxGroupSise is not a group coordinator setting/],
      // <249-character topic>-<partition> must fit a 255-byte directory name: 5 digits at most.
      [{ dataDir: '/x', maxPartitionsPerTopic: 100_001 }, /maxPartitionsPerTopic must be between 1 and 100000/],
      [{ dataDir: '/x', connectionsMaxIdleMs: -1 }, /connectionsMaxIdleMs must be between 0 and 86400000, got -1/],
      [{ dataDir: '/x', connectionsMaxIdleMs: 1.5 }, /connectionsMaxIdleMs must be an integer, got 1.5/],
    ];
    for (const [options, message] of bad) {
      expect(() => resolveBrokerConfig(options as never)).toThrow(BrokerConfigError);
      expect(() => resolveBrokerConfig(options as never)).toThrow(message);
    }
  });

  it('parses flush policies', () => {
    expect(parseFlushPolicy('always')).toEqual({ kind: 'always' });
    expect(parseFlushPolicy('os')).toEqual({ kind: 'os' });
    expect(parseFlushPolicy('250')).toEqual({ kind: 'interval', ms: 250 });
    expect(parseFlushPolicy('interval:50')).toEqual({ kind: 'interval', ms: 50 });
    expect(() => parseFlushPolicy('0')).toThrow(BrokerConfigError);
  });
});

describe('topic configs', () => {
  const defaults = resolveBrokerConfig({ dataDir: '/x', flush: 'always' }).topicDefaults;

  it('canonicalises values and refuses unknown keys and bad ranges', () => {
    expect(parseTopicConfig('retention.ms', ' 1000 ')).toBe('1000');
    expect(parseTopicConfig('flush', 'interval:20')).toBe('20');
    expect(() => parseTopicConfig('retention.ms', '-2')).toThrow(/between -1 and/);
    expect(() => parseTopicConfig('segment.bytes', '1024')).toThrow(/between 1048576/);
    expect(() => parseTopicConfig('nope', '1')).toThrow(/unknown topic config "nope"/);
    expect(parseTopicConfig('cleanup.policy', 'delete, compact')).toBe('compact,delete');
    expect(parseTopicConfig('cleanup.policy', 'compact')).toBe('compact');
    expect(() => parseTopicConfig('cleanup.policy', 'compact,shred')).toThrow(/cleanup.policy must be/);
    expect(() => parseTopicConfig('cleanup.policy', 'compact,compact')).toThrow(
      'cleanup.policy lists "compact" more than once, got "compact,compact"',
    );
    expect(() => parseTopicConfig('cleanup.policy', 'delete, compact, DELETE')).toThrow(
      /lists "delete" more than once/,
    );
    expect(() => parseTopicConfig('cleanup.policy', '')).toThrow(/cleanup.policy must be/);
    expect(parseTopicConfig('min.cleanable.dirty.ratio', '0.25')).toBe('0.25');
    expect(() => parseTopicConfig('min.cleanable.dirty.ratio', '2')).toThrow(/between 0 and 1/);
    expect(() => parseTopicConfig('min.cleanable.dirty.ratio', 'half')).toThrow(/between 0 and 1/);
    expect(parseTopicConfig('max.compaction.lag.ms', '9223372036854775807')).toBe(String(Number.MAX_SAFE_INTEGER));
    expect(() => parseTopicConfig('max.compaction.lag.ms', '0')).toThrow(/between 1 and/);
    expect(parseTopicConfig('delete.retention.ms', '86400000')).toBe('86400000');
    expect(() => parseTopicConfig('min.compaction.lag.ms', '-1')).toThrow(/0 or more/);
    expect(parseTopicConfig('message.timestamp.type', 'logappendtime')).toBe('LogAppendTime');
    expect(parseTopicConfig('message.timestamp.type', 'CreateTime')).toBe('CreateTime');
    expect(parseTopicConfig('compression.type', ' Producer ')).toBe('producer');
    expect(() => parseTopicConfig('compression.type', 'lz4')).toThrow(/"lz4" is not supported.*only "producer"/);
    expect(() => parseTopicConfig('compression.type', 'brotli')).toThrow(/must be "producer"/);
    expect(() => parseTopicConfig('message.timestamp.type', 'AppendTime')).toThrow(
      /must be "CreateTime" or "LogAppendTime"/,
    );
  });

  it('maps overrides and inherited values onto the storage partition config', () => {
    expect(partitionConfigFor({ 'segment.bytes': '4096', flush: '10' }, defaults)).toEqual({
      segmentBytes: 4096,
      segmentMs: defaults.segmentMs,
      retentionMs: defaults.retentionMs,
      retentionBytes: -1,
      indexIntervalBytes: 4096,
      flush: { kind: 'interval', ms: 10 },
      cleanupPolicy: 'delete',
      minCleanableDirtyRatio: 0.5,
      minCompactionLagMs: 0,
      maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
      deleteRetentionMs: 86_400_000,
      timestampType: 'CreateTime',
    });
    expect(
      partitionConfigFor({ 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': '0.1' }, defaults),
    ).toMatchObject({
      cleanupPolicy: 'compact',
      minCleanableDirtyRatio: 0.1,
    });
    expect(partitionConfigFor({ 'message.timestamp.type': 'LogAppendTime' }, defaults)).toMatchObject({
      timestampType: 'LogAppendTime',
    });
  });

  it('applies incremental changes; null removes an override', () => {
    expect(
      applyConfigChanges(
        { 'retention.ms': '5', flush: 'os' },
        { 'retention.ms': null, 'segment.ms': '9' },
        'incremental',
      ),
    ).toEqual({ flush: 'os', 'segment.ms': '9' });
  });

  it('replaces the overrides with the keys given a value (Kafka legacy AlterConfigs)', () => {
    expect(
      applyConfigChanges(
        { 'retention.ms': '5', flush: 'os' },
        { 'segment.ms': '9', 'retention.bytes': null },
        'replace',
      ),
    ).toEqual({ 'segment.ms': '9' });
    expect(() => applyConfigChanges({}, { 'no.such.key': '1' }, 'replace')).toThrow(/unknown topic config/);
  });

  it('describes sources', () => {
    const entries = describeTopicConfigs({ 'retention.ms': '5' }, 3, defaults, null);
    const by = Object.fromEntries(entries.map((e) => [e.name, e]));
    expect(by['retention.ms']).toMatchObject({ value: '5', source: 'topic' });
    expect(by.flush).toMatchObject({ value: 'always', source: 'broker' });
    expect(by['segment.bytes']).toMatchObject({ source: 'default', isDefault: true });
    expect(by.partitions).toMatchObject({ value: '3' });
  });
});

describe('handler registry', () => {
  it('routes served APIs and explains the rest', () => {
    const registry = new HandlerRegistry([apiVersionsHandler]);
    expect(registry.route(ApiKey.ApiVersions, 0)).toBe(apiVersionsHandler);
    expect(registry.route(ApiKey.ApiVersions, 3)).toEqual({
      reason: 'ApiVersions version 3 is not supported (this broker serves 0..0)',
    });
    expect(registry.route(ApiKey.JoinGroup, 0)).toEqual({
      reason: 'JoinGroup (apiKey 11) is not implemented by this broker yet',
    });
    expect(registry.route(4242, 0)).toEqual({ reason: 'unknown apiKey 4242' });
    expect(registry.versions()).toEqual([{ apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 0 }]);
  });

  it('refuses two handlers for one API', () => {
    expect(() => new HandlerRegistry([apiVersionsHandler, apiVersionsHandler])).toThrow(/two handlers/);
  });

  it('serves the broker APIs of this issue', () => {
    const keys = new HandlerRegistry(BROKER_HANDLERS).versions().map((v) => v.apiKey);
    for (const k of [0, 1, 2, 3, 18, 19, 20, 32, 33]) expect(keys).toContain(k);
  });
});
