// Record layout of the internal topic `__consumer_offsets`. Every record's key and value are msgpack
// arrays whose first element says what the rest is (as Kafka's key/value versions do):
//
//   offset commit   key   [1, groupId, topic, partition]
//                   value [0, offset, metadata (string|null), commitTimestamp (ms)]     null = tombstone
//   group metadata  key   [2, groupId]
//                   value [0, protocolType (string|null), generationId, protocolName (string|null),
//                          empty (bool), stateTimestamp (ms), leaderId (string|null), members]
//                                                                                       null = tombstone
//                   members  [[memberId, groupInstanceId (string|null), clientId, clientHost,
//                              sessionTimeoutMs, rebalanceTimeoutMs, protocols, assignment (bin)], ...]
//                   protocols [[name, metadata (bin)], ...] in the member's order of preference
//
// The members are written only when the group becomes Stable (an empty array otherwise), so a record with
// members names a Stable generation the coordinator restores at load. Records of brokers before that have
// six elements: they decode with leaderId null and no members (the group loads Empty, as it did then); older
// brokers ignore the two trailing elements of newer records.
//
// The log is read as a compacted topic: on replay the last value of each key wins and a tombstone
// removes the key. Unknown key types are skipped, so newer record kinds do not break older brokers.
import { decode, encode } from '@msgpack/msgpack';

const OFFSET_KEY = 1;
const GROUP_KEY = 2;

export interface CommittedOffset {
  offset: number;
  metadata: string | null;
  commitTimestamp: number;
}

/** One member of a Stable generation, as the group record keeps it. */
export interface GroupRecordMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  /** In the member's order of preference. */
  protocols: Array<{ name: string; metadata: Buffer }>;
  assignment: Buffer;
}

export interface GroupRecord {
  protocolType: string | null;
  generationId: number;
  protocolName: string | null;
  /** True when the record was written as the group became Empty. */
  empty: boolean;
  stateTimestamp: number;
  /** The generation's leader; null unless the record was written as the group became Stable. */
  leaderId: string | null;
  /** The Stable generation's members with their assignments; empty in any other state (and in old records). */
  members: GroupRecordMember[];
}

export type OffsetsLogEntry =
  | { kind: 'offset'; groupId: string; topic: string; partition: number; value: CommittedOffset | null }
  | { kind: 'group'; groupId: string; value: GroupRecord | null };

function bytes(value: unknown): Buffer {
  const u8 = encode(value);
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

export function encodeOffsetKey(groupId: string, topic: string, partition: number): Buffer {
  return bytes([OFFSET_KEY, groupId, topic, partition]);
}

export function encodeOffsetValue(v: CommittedOffset): Buffer {
  return bytes([0, v.offset, v.metadata, v.commitTimestamp]);
}

export function encodeGroupKey(groupId: string): Buffer {
  return bytes([GROUP_KEY, groupId]);
}

export function encodeGroupValue(v: GroupRecord): Buffer {
  const members = v.members.map((m) => [
    m.memberId,
    m.groupInstanceId,
    m.clientId,
    m.clientHost,
    m.sessionTimeoutMs,
    m.rebalanceTimeoutMs,
    m.protocols.map((p) => [p.name, p.metadata]),
    m.assignment,
  ]);
  return bytes([0, v.protocolType, v.generationId, v.protocolName, v.empty, v.stateTimestamp, v.leaderId, members]);
}

const isStr = (x: unknown): x is string => typeof x === 'string';
const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x);
const isNullableStr = (x: unknown): x is string | null => x === null || typeof x === 'string';
const isBin = (x: unknown): x is Uint8Array => x instanceof Uint8Array;
const toBuffer = (u8: Uint8Array): Buffer => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);

function decodeMember(m: unknown): GroupRecordMember | undefined {
  if (
    !Array.isArray(m) ||
    !isStr(m[0]) ||
    !isNullableStr(m[1]) ||
    !isStr(m[2]) ||
    !isStr(m[3]) ||
    !isInt(m[4]) ||
    !isInt(m[5]) ||
    !Array.isArray(m[6]) ||
    !isBin(m[7])
  ) {
    return undefined;
  }
  const protocols: GroupRecordMember['protocols'] = [];
  for (const p of m[6] as unknown[]) {
    if (!Array.isArray(p) || !isStr(p[0]) || !isBin(p[1])) return undefined;
    protocols.push({ name: p[0], metadata: toBuffer(p[1]) });
  }
  return {
    memberId: m[0],
    groupInstanceId: m[1],
    clientId: m[2],
    clientHost: m[3],
    sessionTimeoutMs: m[4],
    rebalanceTimeoutMs: m[5],
    protocols,
    assignment: toBuffer(m[7]),
  };
}

/**
 * The trailing leader and members of a group record; none for a record of an older broker (six elements) or
 * one whose members do not decode (the group then loads Empty at its generation, which costs one rebalance).
 */
function decodeMembers(v: unknown[]): Pick<GroupRecord, 'leaderId' | 'members'> {
  const none = { leaderId: null, members: [] };
  if (!isNullableStr(v[6]) || !Array.isArray(v[7])) return none;
  const members: GroupRecordMember[] = [];
  for (const m of v[7] as unknown[]) {
    const member = decodeMember(m);
    if (!member) return none;
    members.push(member);
  }
  return { leaderId: v[6], members };
}

/** Decodes one record of the internal topic; undefined for keys it does not understand or malformed bytes. */
export function decodeEntry(key: Buffer | null, value: Buffer | null): OffsetsLogEntry | undefined {
  if (key === null) return undefined;
  let k: unknown;
  let v: unknown = null;
  try {
    k = decode(key);
    if (value !== null) v = decode(value);
  } catch {
    return undefined;
  }
  if (!Array.isArray(k)) return undefined;
  if (k[0] === OFFSET_KEY && isStr(k[1]) && isStr(k[2]) && isInt(k[3])) {
    const base = { kind: 'offset' as const, groupId: k[1], topic: k[2], partition: k[3] };
    if (v === null) return { ...base, value: null };
    if (!Array.isArray(v) || !isInt(v[1]) || !isNullableStr(v[2]) || !isInt(v[3])) return undefined;
    return { ...base, value: { offset: v[1], metadata: v[2], commitTimestamp: v[3] } };
  }
  if (k[0] === GROUP_KEY && isStr(k[1])) {
    if (v === null) return { kind: 'group', groupId: k[1], value: null };
    if (
      !Array.isArray(v) ||
      !isNullableStr(v[1]) ||
      !isInt(v[2]) ||
      !isNullableStr(v[3]) ||
      typeof v[4] !== 'boolean' ||
      !isInt(v[5])
    ) {
      return undefined;
    }
    return {
      kind: 'group',
      groupId: k[1],
      value: {
        protocolType: v[1],
        generationId: v[2],
        protocolName: v[3],
        empty: v[4],
        stateTimestamp: v[5],
        ...decodeMembers(v),
      },
    };
  }
  return undefined;
}
