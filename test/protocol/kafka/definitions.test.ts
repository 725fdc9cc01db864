// The definitions themselves: every API issue 14 lists, in Kafka's own shape (the rules Kafka's message
// generator enforces on its JSON), and TypeScript types derived from them.
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type Field,
  inVersions,
  KAFKA_APIS,
  type MessageDef,
  parseVersions,
  type Produce,
  type RequestInputOf,
  type RequestOf,
  type ResponseInputOf,
  type Struct,
} from '../../../src/protocol/kafka/index.js';
import { versionsOf } from './arbitrary.js';

const ISSUE_14_APIS = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  SaslHandshake: 17,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  DeleteRecords: 21,
  InitProducerId: 22,
  DescribeConfigs: 32,
  AlterConfigs: 33,
  SaslAuthenticate: 36,
  CreatePartitions: 37,
  DeleteGroups: 42,
  IncrementalAlterConfigs: 44,
};

/** Issue 16's ACL, quota and user management APIs. */
const ISSUE_16_APIS = {
  DescribeAcls: 29,
  CreateAcls: 30,
  DeleteAcls: 31,
  DescribeClientQuotas: 48,
  AlterClientQuotas: 49,
  DescribeUserScramCredentials: 50,
  AlterUserScramCredentials: 51,
};
/** Issue 18's cluster operations. */
const ISSUE_18_APIS = {
  ElectLeaders: 43,
  AlterPartitionReassignments: 45,
  ListPartitionReassignments: 46,
};
const ISSUE_19_APIS = {
  AddPartitionsToTxn: 24,
  AddOffsetsToTxn: 25,
  EndTxn: 26,
  TxnOffsetCommit: 28,
  DescribeTransactions: 65,
  ListTransactions: 66,
};

/** Every field with its path and the struct it sits in, depth first. */
function walk(fields: Struct, path = ''): Array<{ path: string; field: Field; siblings: Struct }> {
  return Object.entries(fields).flatMap(([name, field]) => {
    const here = path === '' ? name : `${path}.${name}`;
    const inner = field.kind === 'array' ? field.items! : field;
    return [{ path: here, field, siblings: fields }, ...(inner.kind === 'struct' ? walk(inner.fields!, here) : [])];
  });
}

function problems(def: MessageDef): string[] {
  const out: string[] = [];
  const flexible = parseVersions(def.flexibleVersions);
  for (const { path, field, siblings } of walk(def.fields)) {
    const say = (problem: string) => out.push(`${def.name}.${path}: ${problem}`);
    parseVersions(field.versions);
    if ((field.tag === undefined) !== (field.taggedVersions === undefined)) say('tag and taggedVersions go together');
    if (field.tag !== undefined) {
      if (field.taggedVersions !== field.versions) say('taggedVersions must equal versions');
      if (parseVersions(field.taggedVersions).min < flexible.min) say('tagged outside the flexible versions');
      if (field.kind === 'records') say('records are never tagged');
      const sameTag = Object.values(siblings).filter((f) => f.tag === field.tag);
      if (sameTag.length > 1) say(`tag ${field.tag} used twice`);
    }
    if (field.kind === 'struct' && field.nullableVersions) say('nullable structs are not supported');
    if (field.default === null && !field.nullableVersions) say('a null default needs nullableVersions');
    if (field.flexibleVersions === 'none' && def.type !== 'header')
      say("flexibleVersions 'none' is only for the header's client id");
  }
  // An array entry must take at least one byte at every version, so counts can be bounded by bytes left.
  for (const version of versionsOf(def)) {
    for (const { path, field } of walk(def.fields)) {
      if (field.kind !== 'array' || field.items!.kind !== 'struct' || !inVersions(field.versions, version)) continue;
      const inline = Object.values(field.items!.fields!).filter(
        (f) => inVersions(f.versions, version) && f.tag === undefined,
      );
      if (inline.length === 0 && !inVersions(def.flexibleVersions, version))
        out.push(`${def.name}.${path} v${version}: empty entries`);
    }
  }
  return out;
}

describe('definitions', () => {
  it('cover every API of issues 14, 16, 18 and 19 (and IncrementalAlterConfigs), under Kafka’s keys', () => {
    expect(Object.fromEntries(KAFKA_APIS.map((a) => [a.name, a.key]))).toEqual({
      ...ISSUE_14_APIS,
      ...ISSUE_16_APIS,
      ...ISSUE_18_APIS,
      ...ISSUE_19_APIS,
    });
  });

  it.each(KAFKA_APIS.map((api) => ({ name: api.name, api })))(
    '$name: request and response agree; served ⊆ valid',
    ({ api }) => {
      expect(api.request.type).toBe('request');
      expect(api.response.type).toBe('response');
      expect(api.request.validVersions).toBe(api.response.validVersions);
      expect(api.request.flexibleVersions).toBe(api.response.flexibleVersions);
      const served = parseVersions(api.served);
      const valid = parseVersions(api.request.validVersions);
      expect(served.min).toBeGreaterThanOrEqual(valid.min);
      expect(served.max).toBeLessThanOrEqual(valid.max);
      expect(served.min).toBeLessThanOrEqual(served.max);
    },
  );

  it('follow the rules of Kafka’s message generator', () => {
    expect(KAFKA_APIS.flatMap((api) => [...problems(api.request), ...problems(api.response)])).toEqual([]);
  });

  it('keep minimum versions low where librdkafka gates features on them (research §1.2)', () => {
    const min = (name: string) => parseVersions(KAFKA_APIS.find((a) => a.name === name)!.served).min;
    expect(min('Produce')).toBeLessThanOrEqual(3);
    expect(min('Fetch')).toBeLessThanOrEqual(4);
    for (const name of ['FindCoordinator', 'JoinGroup', 'ApiVersions', 'SaslHandshake', 'SaslAuthenticate']) {
      expect(min(name), name).toBe(0);
    }
  });

  it('give TypeScript types derived from the data', () => {
    expectTypeOf<RequestOf<typeof Produce>>().toEqualTypeOf<{
      transactionalId: string | null;
      acks: number;
      timeoutMs: number;
      topicData: Array<{ name: string; partitionData: Array<{ index: number; records: Buffer | null }> }>;
    }>();
    // On encode, fields with a default or not in every version may be left out; records may be several buffers.
    expectTypeOf<RequestInputOf<typeof Produce>>().toEqualTypeOf<{
      acks: number;
      timeoutMs: number;
      topicData: Array<{
        name: string;
        partitionData: Array<{ index: number; records: Buffer | readonly Buffer[] | null }>;
      }>;
      transactionalId?: string | null;
    }>();
    type PartitionInput = ResponseInputOf<typeof Produce>['responses'][number]['partitionResponses'][number];
    expectTypeOf<PartitionInput['baseOffset']>().toEqualTypeOf<number>();
    expectTypeOf<PartitionInput>()
      .toHaveProperty('currentLeader')
      .toEqualTypeOf<{ leaderId?: number; leaderEpoch?: number } | undefined>();
  });
});
