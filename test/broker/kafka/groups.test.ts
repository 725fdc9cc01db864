// Consumer groups through the Kafka listener: two kcat -G processes (librdkafka's balanced consumer)
// sharing a topic's partitions, and one group with a member on each door, the coordinator passing
// their metadata and assignments through as opaque bytes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeGroupsApi, JoinGroupApi, OffsetFetchApi, SyncGroupApi } from '../../../src/protocol/index.js';
import { JoinGroup, SyncGroup } from '../../../src/protocol/kafka/index.js';
import { createTopic } from '../../helpers/broker.js';
import { removeTempDirs } from '../../helpers/temp-dir.js';
import { kcatPath, type KafkaTestBroker, run, spawnLines, startKafkaBroker, until } from './helpers.js';
import { KafkaWireClient } from './kafka-wire-client.js';

let b: KafkaTestBroker;
let kcat: string;

/** The partitions of kcat's latest "Group … rebalanced … assigned: shared [0], shared [2]" line. */
function lastAssignment(stderr: string): number[] | null {
  const lines = stderr.split('\n').filter((l) => l.includes('rebalanced') && l.includes('assigned:'));
  const last = lines.at(-1);
  return last ? [...last.matchAll(/shared \[(\d)\]/g)].map((m) => Number(m[1])) : null;
}

/** The partitions kcat reported "Reached end of topic shared [p]" for since its latest rebalance line. */
function reachedEndSinceRebalance(stderr: string): Set<number> {
  const lines = stderr.split('\n');
  const start = lines.findLastIndex((l) => l.includes('rebalanced') && l.includes('assigned:'));
  const ends = start < 0 ? [] : lines.slice(start + 1).filter((l) => l.includes('Reached end of topic shared'));
  return new Set(ends.map((l) => Number(/shared \[(\d)\]/.exec(l)![1])));
}

beforeAll(async () => {
  kcat = kcatPath();
  b = await startKafkaBroker({ groups: { initialRebalanceDelayMs: 300 } });
});
afterAll(async () => {
  await b?.stop();
  await removeTempDirs();
});

describe('consumer groups through the Kafka listener', () => {
  it('two kcat -G processes share the partitions of a topic and commit what they consumed', {
    timeout: 120_000,
  }, async () => {
    const admin = await b.client();
    await createTopic(admin, 'shared', 4);
    const consumers = ['A', 'B'].map((name) =>
      spawnLines(kcat, ['-b', b.bootstrap, '-G', 'kcat-group', '-u', '-f', `${name}\t%p\t%o\t%k\t%s\n`, 'shared']),
    );
    try {
      // The first to join may get all four partitions until the second joins: wait for the shared split.
      await until(
        () => consumers.every((c) => lastAssignment(c.stderr())?.length === 2),
        30_000,
        'both kcat consumers to get two partitions each',
      );
      // kcat looks up where to start ("latest") after its rebalance line: produce only once every partition
      // reports its end, or records sent before that lookup are (rightly) skipped.
      await until(
        () => consumers.every((c) => reachedEndSinceRebalance(c.stderr()).size === 2),
        30_000,
        'both kcat consumers to know where their partitions end',
      );
      const lines = Array.from({ length: 40 }, (_, i) => `key-${i}\tvalue-${i}`).join('\n');
      const produced = await run(kcat, ['-b', b.bootstrap, '-P', '-t', 'shared', '-K', '\t'], { input: `${lines}\n` });
      expect(produced.code, produced.stderr).toBe(0);
      await until(() => consumers.reduce((n, c) => n + c.lines.length, 0) >= 40, 30_000, 'all 40 records consumed');

      const rows = consumers.flatMap((c) => c.lines.map((l) => l.split('\t')));
      expect(rows.map((r) => r[4]).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `value-${i}`).sort());
      const partitionsOf = (name: string) => new Set(rows.filter((r) => r[0] === name).map((r) => Number(r[1])));
      const a = partitionsOf('A');
      const bParts = partitionsOf('B');
      // Each consumer read only its own partitions; together, every partition that got records.
      expect([...a].filter((p) => bParts.has(p))).toEqual([]);
      const assigned = consumers.map((c) => lastAssignment(c.stderr())!);
      expect(new Set(assigned.flat())).toEqual(new Set([0, 1, 2, 3]));
      for (const p of a) expect(assigned[0]).toContain(p);
      for (const p of bParts) expect(assigned[1]).toContain(p);
    } finally {
      for (const c of consumers) c.child.kill('SIGTERM');
      await Promise.all(
        consumers.map((c) => new Promise((r) => (c.child.exitCode !== null ? r(null) : c.child.on('exit', r)))),
      );
    }
    // librdkafka commits on close: the group's committed offsets are the partition ends.
    const fetched = await admin.request(OffsetFetchApi, {
      groupId: 'kcat-group',
      topics: [{ name: 'shared', partitions: [0, 1, 2, 3] }],
      requireStable: false,
    });
    const total = fetched.topics[0]!.partitions.reduce((n, p) => n + Math.max(0, p.offset), 0);
    expect(total).toBe(40);
  });

  it('one group, a member on each door: metadata and assignments pass through as opaque bytes', async () => {
    const native = await b.client();
    const kafka = await KafkaWireClient.connect(b.kafkaPort);
    const nativeMetadata = Buffer.from('native member metadata \u0000\u00ff');
    const kafkaMetadata = Buffer.from([0, 1, 0, 0, 0, 1, 0, 5, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0xff, 0xff, 0xff, 0xff]);
    // Both join within the group's initial rebalance window, naming one protocol in common.
    const nativeJoin = native.request(JoinGroupApi, {
      groupId: 'mixed',
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'shared-assignor', metadata: nativeMetadata }],
      reason: null,
    });
    const kafkaJoin = kafka.request(JoinGroup, 5, {
      groupId: 'mixed',
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'shared-assignor', metadata: kafkaMetadata }],
    });
    const [n, k] = await Promise.all([nativeJoin, kafkaJoin]);
    expect(n.errorCode).toBe(0);
    expect(k.errorCode).toBe(0);
    expect(k.generationId).toBe(n.generationId);
    expect(k.protocolName).toBe('shared-assignor');
    const leader = n.leader === n.memberId ? n : k;
    expect(new Map(leader.members.map((m) => [m.memberId, Buffer.from(m.metadata)]))).toEqual(
      new Map([
        [n.memberId, nativeMetadata],
        [k.memberId, kafkaMetadata],
      ]),
    );
    const toNative = Buffer.from('partitions for the SDK member');
    const toKafka = Buffer.from([0, 1, 0, 0, 0, 0, 0xde, 0xad]);
    const assignments = [
      { memberId: n.memberId, assignment: toNative },
      { memberId: k.memberId, assignment: toKafka },
    ];
    const nativeSync = native.request(SyncGroupApi, {
      groupId: 'mixed',
      generationId: n.generationId,
      memberId: n.memberId,
      groupInstanceId: null,
      protocolType: 'consumer',
      protocolName: 'shared-assignor',
      assignments: leader === n ? assignments : [],
    });
    const kafkaSync = kafka.request(SyncGroup, 3, {
      groupId: 'mixed',
      generationId: k.generationId,
      memberId: k.memberId,
      groupInstanceId: null,
      assignments: leader === k ? assignments : [],
    });
    const [ns, ks] = await Promise.all([nativeSync, kafkaSync]);
    expect(Buffer.from(ns.assignment)).toEqual(toNative);
    expect(Buffer.from(ks.assignment)).toEqual(toKafka);
    // One group, seen alike by the native door (what `sluice groups describe` asks).
    const described = await native.request(DescribeGroupsApi, { groups: ['mixed'] });
    expect(described.groups[0]).toMatchObject({ groupState: 'Stable', protocolData: 'shared-assignor' });
    expect(described.groups[0]!.members.map((m) => m.memberId).sort()).toEqual([n.memberId, k.memberId].sort());
    kafka.destroy();
  });
});
