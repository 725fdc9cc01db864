// One consumer group, three kinds of member: Sluice's SDK on the native port, kafkajs 2.2.4 and kcat -G
// (librdkafka 2.0.2) on the Kafka port. They agree on one assignor, whichever is elected leader reads the
// others' subscriptions and writes assignments they all read (Kafka's ConsumerProtocol bytes), the
// partitions are shared with no overlap and no gap, every record is consumed once, and when a member
// leaves the rest take its partitions over from its committed offsets.
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssignerProtocol, type Consumer, PartitionAssigners, type Sluice } from '../../../src/client/index.js';
import { sdkClient } from '../../client/helpers.js';
import { removeTempDirs } from '../../helpers/temp-dir.js';
import { kcatPath, type KafkaTestBroker, spawnLines, startKafkaBroker, until } from './helpers.js';

const kafkajs = createRequire(import.meta.url)('kafkajs') as any;

let b: KafkaTestBroker;
let kcat: string;
let sluice: Sluice;
let kafka: any;

beforeAll(async () => {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  kcat = kcatPath();
  b = await startKafkaBroker({ groups: { initialRebalanceDelayMs: 500 } });
  sluice = sdkClient(b.port);
  kafka = new kafkajs.Kafka({
    clientId: 'kafkajs-member',
    brokers: [b.bootstrap],
    logLevel: kafkajs.logLevel.NOTHING,
    retry: { initialRetryTime: 50, retries: 10 },
  });
});
afterAll(async () => {
  await b?.stop();
  await removeTempDirs();
});

/**
 * A kafkajs assigner named "range", as a kafkajs user writes one (kafkajs ships only "RoundRobinAssigner",
 * a name librdkafka does not know): Kafka's range split, encoded with kafkajs's own AssignerProtocol.
 */
const kafkajsRange = ({ cluster }: { cluster: any }) => ({
  name: 'range',
  version: 0,
  async assign({ members, topics }: { members: Array<{ memberId: string }>; topics: string[] }) {
    const ids = members.map((m) => m.memberId).sort();
    const out = new Map<string, Record<string, number[]>>(ids.map((id) => [id, {}]));
    for (const topic of topics) {
      const partitions = cluster
        .findTopicPartitionMetadata(topic)
        .map((p: { partitionId: number }) => p.partitionId)
        .sort((x: number, y: number) => x - y);
      const per = Math.floor(partitions.length / ids.length);
      const extra = partitions.length % ids.length;
      ids.forEach((id, i) => {
        const start = i * per + Math.min(i, extra);
        const mine = partitions.slice(start, start + per + (i < extra ? 1 : 0));
        if (mine.length > 0) out.get(id)![topic] = mine;
      });
    }
    return ids.map((memberId) => ({
      memberId,
      memberAssignment: kafkajs.AssignerProtocol.MemberAssignment.encode({
        version: 0,
        assignment: out.get(memberId),
        userData: Buffer.alloc(0),
      }),
    }));
  },
  protocol({ topics }: { topics: string[] }) {
    return {
      name: 'range',
      metadata: kafkajs.AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }),
    };
  },
});

interface Seen {
  who: string;
  partition: number;
  value: string;
}

async function createTopic(topic: string, numPartitions: number): Promise<void> {
  const admin = sluice.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions }] });
  await admin.disconnect();
}

async function produce(topic: string, values: string[]): Promise<void> {
  const producer = sluice.producer();
  await producer.connect();
  await producer.send({ topic, messages: values.map((value, i) => ({ key: `k${i}`, value })) });
  await producer.disconnect();
}

/** The group as the broker describes it: member id → its assigned partitions of `topic` (decoded by the SDK). */
async function describeAssignments(groupId: string, topic: string): Promise<{ state: string; owned: number[][] }> {
  const admin = sluice.admin();
  await admin.connect();
  try {
    const [group] = (await admin.describeGroups([groupId])).groups;
    const owned = (group?.members ?? []).map((m) =>
      [...(AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[topic] ?? [])].sort(
        (x, y) => x - y,
      ),
    );
    return { state: group?.state ?? 'Dead', owned };
  } finally {
    await admin.disconnect();
  }
}

/** Waits until the group is Stable with `members` members whose assignments split `partitions` exactly. */
async function balanced(groupId: string, topic: string, members: number, partitions: number): Promise<number[][]> {
  let last: { state: string; owned: number[][] } = { state: '', owned: [] };
  const deadline = Date.now() + 60_000;
  for (;;) {
    last = await describeAssignments(groupId, topic);
    const all = last.owned.flat().sort((x, y) => x - y);
    if (
      last.state === 'Stable' &&
      last.owned.length === members &&
      last.owned.every((o) => o.length > 0) &&
      all.join() === Array.from({ length: partitions }, (_, p) => p).join()
    )
      return last.owned;
    if (Date.now() > deadline) throw new Error(`group ${groupId} never balanced: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function committedTotal(groupId: string, topic: string): Promise<number> {
  const admin = sluice.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    return offsets[0]!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

async function sdkMember(
  groupId: string,
  topic: string,
  seen: Seen[],
  assigners?: (typeof PartitionAssigners.range)[],
) {
  const consumer = sluice.consumer({
    groupId,
    sessionTimeout: 6000,
    rebalanceTimeout: 10_000,
    heartbeatInterval: 100,
    maxWaitTimeInMs: 100,
    ...(assigners ? { partitionAssigners: assigners } : {}),
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      seen.push({ who: 'sdk', partition, value: message.value!.toString() });
    },
  });
  return consumer;
}

async function kafkajsMember(groupId: string, topic: string, seen: Seen[], assigners?: unknown[]) {
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: 6000,
    rebalanceTimeout: 10_000,
    heartbeatInterval: 100,
    maxWaitTimeInMs: 100,
    ...(assigners ? { partitionAssigners: assigners } : {}),
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }: any) => {
      seen.push({ who: 'kafkajs', partition, value: message.value.toString() });
    },
  });
  return consumer;
}

/** kcat -G; its output lines become `seen` entries as they arrive. */
function kcatMember(groupId: string, topics: string[], extra: string[] = []) {
  return spawnLines(kcat, [
    '-b',
    b.bootstrap,
    '-G',
    groupId,
    '-X',
    'auto.offset.reset=earliest',
    '-X',
    'auto.commit.interval.ms=100',
    ...extra,
    '-u',
    '-f',
    'kcat\t%p\t%s\n',
    ...topics,
  ]);
}

function kcatSeen(lines: string[]): Seen[] {
  return lines.map((l) => {
    const [who, partition, value] = l.split('\t');
    return { who: who!, partition: Number(partition), value: value! };
  });
}

async function stopKcat(member: ReturnType<typeof kcatMember>): Promise<void> {
  if (member.child.exitCode !== null) return;
  const exited = new Promise((r) => member.child.on('exit', r));
  member.child.kill('SIGTERM');
  await exited;
}

const values = (from: number, n: number) => Array.from({ length: n }, (_, i) => `value-${from + i}`);

describe('mixed consumer groups (Kafka ConsumerProtocol bytes on both doors)', () => {
  it('SDK + kafkajs + kcat -G share six partitions: each record once, and the rest take over when one leaves', {
    timeout: 180_000,
  }, async () => {
    await createTopic('mixed', 6);
    const seen: Seen[] = [];
    const sdk = await sdkMember('mixed-group', 'mixed', seen);
    const js = await kafkajsMember('mixed-group', 'mixed', seen, [kafkajsRange]);
    const cat = kcatMember('mixed-group', ['mixed']);
    const everything = () => [...seen, ...kcatSeen(cat.lines)];
    try {
      // librdkafka's default strategies are "range,roundrobin", the SDK's "RoundRobinAssigner,range":
      // "range" is the one all three have.
      const owned = await balanced('mixed-group', 'mixed', 3, 6);
      expect(owned.map((o) => o.length)).toEqual([2, 2, 2]);
      const admin = sluice.admin();
      await admin.connect();
      const [described] = (await admin.describeGroups(['mixed-group'])).groups;
      await admin.disconnect();
      expect(described).toMatchObject({ protocol: 'range', protocolType: 'consumer' });
      expect(described!.members.map((m) => m.clientId).sort()).toEqual(['kafkajs-member', 'rdkafka', 'sdk-test']);

      await produce('mixed', values(0, 60));
      await until(() => everything().length >= 60, 60_000, 'the 60 first records consumed');
      const first = everything();
      expect(first.map((s) => s.value).sort()).toEqual(values(0, 60).sort());
      // Each member read only partitions it was assigned, and no partition was read by two members.
      const readers = new Map<number, Set<string>>();
      for (const s of first) readers.set(s.partition, (readers.get(s.partition) ?? new Set()).add(s.who));
      for (const who of readers.values()) expect(who.size).toBe(1);
      expect(new Set(first.map((s) => s.who))).toEqual(new Set(['sdk', 'kafkajs', 'kcat']));
      const deadline = Date.now() + 30_000;
      while ((await committedTotal('mixed-group', 'mixed')) < 60) {
        if (Date.now() > deadline) throw new Error('the group never committed its 60 records');
        await new Promise((r) => setTimeout(r, 100));
      }

      // kafkajs leaves (LeaveGroup): the SDK and kcat split its partitions, starting from its commits.
      await js.disconnect();
      const after = await balanced('mixed-group', 'mixed', 2, 6);
      expect(after.map((o) => o.length)).toEqual([3, 3]);
      await produce('mixed', values(60, 60));
      await until(() => everything().length >= 120, 60_000, 'the 60 next records consumed');
      const all = everything();
      expect(all.map((s) => s.value).sort()).toEqual(values(0, 120).sort());
      const second = all.filter((s) => Number(s.value.slice('value-'.length)) >= 60);
      expect(new Set(second.map((s) => s.who))).toEqual(new Set(['sdk', 'kcat']));
    } finally {
      await stopKcat(cat);
      await js.disconnect().catch(() => undefined);
      await (sdk as Consumer).disconnect();
    }
  });

  it('SDK and kafkajs members on their defaults agree on RoundRobinAssigner', { timeout: 60_000 }, async () => {
    await createTopic('defaults', 4);
    const seen: Seen[] = [];
    const sdk = await sdkMember('defaults-group', 'defaults', seen);
    const js = await kafkajsMember('defaults-group', 'defaults', seen);
    try {
      const owned = await balanced('defaults-group', 'defaults', 2, 4);
      expect(owned.map((o) => o.length)).toEqual([2, 2]);
      await produce('defaults', values(0, 40));
      await until(() => seen.length >= 40, 30_000, 'the 40 records consumed');
      expect(seen.map((s) => s.value).sort()).toEqual(values(0, 40).sort());
      expect(new Set(seen.map((s) => s.who))).toEqual(new Set(['sdk', 'kafkajs']));
      const admin = sluice.admin();
      await admin.connect();
      const [described] = (await admin.describeGroups(['defaults-group'])).groups;
      await admin.disconnect();
      expect(described).toMatchObject({ protocol: 'RoundRobinAssigner' });
    } finally {
      await js.disconnect();
      await sdk.disconnect();
    }
  });

  it('SDK and kcat members on cooperative-sticky share a topic, and kcat takes all when the SDK leaves', {
    timeout: 90_000,
  }, async () => {
    await createTopic('coop', 4);
    const seen: Seen[] = [];
    const sdk = await sdkMember('coop-group', 'coop', seen, [PartitionAssigners.cooperativeSticky]);
    const cat = kcatMember('coop-group', ['coop'], ['-X', 'partition.assignment.strategy=cooperative-sticky']);
    try {
      await balanced('coop-group', 'coop', 2, 4);
      await produce('coop', values(0, 40));
      await until(() => seen.length + cat.lines.length >= 40, 30_000, 'the 40 records consumed');
      expect([...seen, ...kcatSeen(cat.lines)].map((s) => s.value).sort()).toEqual(values(0, 40).sort());
      const admin = sluice.admin();
      await admin.connect();
      const [described] = (await admin.describeGroups(['coop-group'])).groups;
      await admin.disconnect();
      expect(described).toMatchObject({ protocol: 'cooperative-sticky' });
      await sdk.disconnect();
      const owned = await balanced('coop-group', 'coop', 1, 4);
      expect(owned).toEqual([[0, 1, 2, 3]]);
    } finally {
      await stopKcat(cat);
      await sdk.disconnect();
    }
  });

  // `__proto__` itself is a reserved name now (names beginning with `__` belong to the broker).
  it('topics named like Object.prototype members (constructor, hasOwnProperty) are assigned and consumed like any other', {
    timeout: 90_000,
  }, async () => {
    await createTopic('hasOwnProperty', 2);
    await createTopic('constructor', 2);
    const seen: Seen[] = [];
    const consumer = sluice.consumer({ groupId: 'proto-group', heartbeatInterval: 100, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: ['hasOwnProperty', 'constructor'], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        seen.push({ who: topic, partition, value: message.value!.toString() });
      },
    });
    const cat = kcatMember('proto-group', ['hasOwnProperty', 'constructor']);
    try {
      for (const topic of ['hasOwnProperty', 'constructor']) await balanced('proto-group', topic, 2, 2);
      await produce('hasOwnProperty', values(0, 10));
      await produce('constructor', values(10, 10));
      const kcatRows = () => cat.lines.map((l) => l.split('\t')[2]!);
      await until(() => seen.length + cat.lines.length >= 20, 30_000, 'the 20 records consumed');
      expect([...seen.map((s) => s.value), ...kcatRows()].sort()).toEqual(values(0, 20).sort());
      expect(seen.length).toBeGreaterThan(0);
      expect(cat.lines.length).toBeGreaterThan(0);
    } finally {
      await stopKcat(cat);
      await consumer.disconnect();
    }
  });
});
