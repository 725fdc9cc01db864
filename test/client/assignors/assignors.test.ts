import KafkaJS from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  AssignerProtocol,
  PartitionAssigners,
  type Assigner,
  type AssignerCluster,
  type TopicPartitionList,
} from '../../../src/client/consumer/assignors/index.js';

function cluster(topics: Record<string, number>): AssignerCluster {
  return {
    findTopicPartitionMetadata(topic) {
      const n = topics[topic];
      if (n === undefined) throw new Error(`unknown topic ${topic}`);
      return Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 0 }));
    },
  };
}

interface M {
  id: string;
  topics: string[];
  owned?: TopicPartitionList[];
  generationId?: number;
}

async function assign(assigner: Assigner, members: M[]): Promise<Record<string, Record<string, number[]>>> {
  const topics = [...new Set(members.flatMap((m) => m.topics))];
  const out = await assigner.assign({
    members: members.map((m) => ({
      memberId: m.id,
      memberMetadata: assigner.protocol({ topics: m.topics, ownedPartitions: m.owned, generationId: m.generationId })
        .metadata,
    })),
    topics,
  });
  return Object.fromEntries(
    out.map((a) => [a.memberId, AssignerProtocol.MemberAssignment.decode(a.memberAssignment)?.assignment ?? {}]),
  );
}

const count = (a: Record<string, number[]>) => Object.values(a).reduce((n, p) => n + p.length, 0);
const owned = (a: Record<string, number[]>): TopicPartitionList[] =>
  Object.entries(a).map(([topic, partitions]) => ({ topic, partitions }));

describe('assigner protocol encoding (Kafka ConsumerProtocol)', () => {
  it('round-trips member metadata and assignments; empty assignment bytes decode to null', () => {
    const meta = {
      version: 2,
      topics: ['a', 'b'],
      userData: Buffer.from([1, 2]),
      ownedPartitions: [{ topic: 'a', partitions: [0, 3] }],
      generationId: 7,
    };
    expect(AssignerProtocol.MemberMetadata.decode(AssignerProtocol.MemberMetadata.encode(meta))).toEqual(meta);
    const asg = { version: 0, assignment: { a: [1, 2] }, userData: null };
    expect(AssignerProtocol.MemberAssignment.decode(AssignerProtocol.MemberAssignment.encode(asg))).toEqual(asg);
    expect(AssignerProtocol.MemberAssignment.decode(Buffer.alloc(0))).toBeNull();
    expect(() => AssignerProtocol.MemberMetadata.decode(Buffer.from([0xc0]))).toThrow(TypeError);
  });

  it("writes kafkajs's bytes and reads kafkajs's bytes (an independent encoder of the same layout)", () => {
    const meta = { version: 0, topics: ['orders', 'payments'], userData: Buffer.from('hi') };
    expect(AssignerProtocol.MemberMetadata.encode(meta)).toEqual(KafkaJS.AssignerProtocol.MemberMetadata.encode(meta));
    expect(AssignerProtocol.MemberMetadata.decode(KafkaJS.AssignerProtocol.MemberMetadata.encode(meta))).toEqual(meta);
    const asg = { version: 0, assignment: { orders: [0, 2], payments: [1] }, userData: Buffer.alloc(0) };
    const theirs = KafkaJS.AssignerProtocol.MemberAssignment.encode(asg);
    expect(AssignerProtocol.MemberAssignment.encode(asg)).toEqual(theirs);
    expect(AssignerProtocol.MemberAssignment.decode(theirs)).toEqual(asg);
    expect(KafkaJS.AssignerProtocol.MemberAssignment.decode(AssignerProtocol.MemberAssignment.encode(asg))).toEqual(
      asg,
    );
  });

  it("reads librdkafka's v1 subscription (owned partitions, no generation) and a newer version's extra bytes", () => {
    // int16 version 1 | [1 topic: "t"] | userData "" | owned [1: "t" [2: 0, 3]]
    const librdkafka = Buffer.from([
      0, 1, 0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3,
    ]);
    expect(AssignerProtocol.MemberMetadata.decode(librdkafka)).toEqual({
      version: 1,
      topics: ['t'],
      userData: Buffer.alloc(0),
      ownedPartitions: [{ topic: 't', partitions: [0, 3] }],
    });
    // A v9 from the future: the fields Sluice knows (v3's), then bytes it ignores.
    const future = Buffer.concat([
      Buffer.from([0, 9]),
      AssignerProtocol.MemberMetadata.encode({ version: 3, topics: ['t'], generationId: 4 }).subarray(2),
      Buffer.from('a field of v9'),
    ]);
    expect(AssignerProtocol.MemberMetadata.decode(future)).toMatchObject({
      version: 9,
      topics: ['t'],
      generationId: 4,
    });
    // kafkajs assigners may put version 1 in front of version 0's fields.
    const short = KafkaJS.AssignerProtocol.MemberMetadata.encode({
      version: 1,
      topics: ['t'],
      userData: Buffer.alloc(0),
    });
    expect(AssignerProtocol.MemberMetadata.decode(short)).toMatchObject({ version: 1, topics: ['t'] });
  });

  it('keeps topics named __proto__ and constructor', () => {
    // fromEntries defines own properties, so `__proto__` is an entry here, not the prototype.
    const assignment: Record<string, number[]> = Object.fromEntries([
      ['__proto__', [0, 1]],
      ['constructor', [2]],
    ]);
    const decoded = AssignerProtocol.MemberAssignment.decode(
      AssignerProtocol.MemberAssignment.encode({ version: 0, assignment }),
    )!;
    expect(Object.entries(decoded.assignment)).toEqual([
      ['__proto__', [0, 1]],
      ['constructor', [2]],
    ]);
    expect(
      AssignerProtocol.MemberMetadata.decode(
        AssignerProtocol.MemberMetadata.encode({ version: 0, topics: ['__proto__', 'constructor'] }),
      ).topics,
    ).toEqual(['__proto__', 'constructor']);
  });

  it('refuses hostile counts before allocating for them', () => {
    // version 0, then a topic count of 2^31 - 1 in 10 bytes.
    const hostile = Buffer.from([0, 0, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
    expect(() => AssignerProtocol.MemberMetadata.decode(hostile)).toThrow(
      /member metadata is not Kafka's ConsumerProtocol: .*exceeds the 4 bytes left/,
    );
    expect(() => AssignerProtocol.MemberAssignment.decode(hostile)).toThrow(/member assignment is not Kafka's/);
    expect(() => AssignerProtocol.MemberMetadata.decode(Buffer.from([0xff, 0xff, 0, 0, 0, 0]))).toThrow(
      /negative version/,
    );
  });
});

describe('range', () => {
  it('gives each member a contiguous range per topic, extras to the first members', async () => {
    const a = PartitionAssigners.range({ cluster: cluster({ t: 7, u: 2 }) });
    const r = await assign(a, [
      { id: 'b', topics: ['t', 'u'] },
      { id: 'a', topics: ['t', 'u'] },
      { id: 'c', topics: ['t'] },
    ]);
    expect(r).toEqual({ a: { t: [0, 1, 2], u: [0] }, b: { t: [3, 4], u: [1] }, c: { t: [5, 6] } });
  });
});

describe('round robin', () => {
  it('deals partitions in turn to subscribed members', async () => {
    const a = PartitionAssigners.roundRobin({ cluster: cluster({ t: 6 }) });
    const r = await assign(a, [
      { id: 'm1', topics: ['t'] },
      { id: 'm2', topics: ['t'] },
      { id: 'm3', topics: ['t'] },
    ]);
    expect(r).toEqual({ m1: { t: [0, 3] }, m2: { t: [1, 4] }, m3: { t: [2, 5] } });
  });

  it('skips members not subscribed to a topic; every partition is assigned exactly once', async () => {
    const a = PartitionAssigners.roundRobin({ cluster: cluster({ t: 5, u: 3 }) });
    const r = await assign(a, [
      { id: 'a', topics: ['t'] },
      { id: 'b', topics: ['t', 'u'] },
    ]);
    expect(r.a!.u).toBeUndefined();
    expect(r.b!.u).toEqual([0, 1, 2]);
    expect(count(r.a!) + count(r.b!)).toBe(8);
  });
});

describe('cooperative sticky', () => {
  const make = (topics: Record<string, number>) => PartitionAssigners.cooperativeSticky({ cluster: cluster(topics) });

  it('balances a fresh group', async () => {
    const r = await assign(make({ t: 6 }), [
      { id: 'a', topics: ['t'] },
      { id: 'b', topics: ['t'] },
      { id: 'c', topics: ['t'] },
    ]);
    expect(Object.values(r).map(count)).toEqual([2, 2, 2]);
    expect(new Set(Object.values(r).flatMap((x) => x.t))).toEqual(new Set([0, 1, 2, 3, 4, 5]));
  });

  it('a joining member: owners keep what they still own, moved partitions are held back one round, then assigned', async () => {
    const assigner = make({ t: 6 });
    const first = await assign(assigner, [
      { id: 'a', topics: ['t'] },
      { id: 'b', topics: ['t'] },
    ]);
    // Round 1 with newcomer c: a and b each must give one partition up; nobody gets it yet.
    const r1 = await assign(assigner, [
      { id: 'a', topics: ['t'], owned: owned(first.a!), generationId: 1 },
      { id: 'b', topics: ['t'], owned: owned(first.b!), generationId: 1 },
      { id: 'c', topics: ['t'] },
    ]);
    expect(count(r1.a!)).toBe(2);
    expect(count(r1.b!)).toBe(2);
    expect(count(r1.c!)).toBe(0);
    for (const p of r1.a!.t!) expect(first.a!.t).toContain(p);
    for (const p of r1.b!.t!) expect(first.b!.t).toContain(p);
    // Round 2: a and b revoked; c gets the two free partitions and nothing else moves.
    const r2 = await assign(assigner, [
      { id: 'a', topics: ['t'], owned: owned(r1.a!), generationId: 2 },
      { id: 'b', topics: ['t'], owned: owned(r1.b!), generationId: 2 },
      { id: 'c', topics: ['t'], owned: [], generationId: 2 },
    ]);
    expect(r2.a).toEqual(r1.a);
    expect(r2.b).toEqual(r1.b);
    expect(count(r2.c!)).toBe(2);
  });

  it('a leaving member: its partitions go to the rest at once, nobody else loses anything', async () => {
    const assigner = make({ t: 6 });
    const r = await assign(assigner, [
      { id: 'a', topics: ['t'], owned: [{ topic: 't', partitions: [0, 1] }], generationId: 3 },
      { id: 'b', topics: ['t'], owned: [{ topic: 't', partitions: [2, 3] }], generationId: 3 },
    ]);
    expect(r.a!.t!.slice(0, 2)).toEqual([0, 1]);
    expect(r.b!.t).toEqual(expect.arrayContaining([2, 3]));
    expect(count(r.a!) + count(r.b!)).toBe(6);
  });

  it('resolves double claims by generation and drops claims on vanished partitions', async () => {
    const r = await assign(make({ t: 2 }), [
      { id: 'a', topics: ['t'], owned: [{ topic: 't', partitions: [0, 9] }], generationId: 1 },
      { id: 'b', topics: ['t'], owned: [{ topic: 't', partitions: [0] }], generationId: 4 },
    ]);
    expect(r.b!.t).toEqual([0]);
    expect(r.a!.t).toEqual([1]);
  });

  it('stays balanced with mixed subscriptions', async () => {
    const r = await assign(make({ t: 4, u: 4 }), [
      { id: 'a', topics: ['t'] },
      { id: 'b', topics: ['t', 'u'] },
      { id: 'c', topics: ['u'] },
    ]);
    const counts = Object.values(r).map(count);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    expect(r.a!.u).toBeUndefined();
    expect(r.c!.t).toBeUndefined();
  });
});
