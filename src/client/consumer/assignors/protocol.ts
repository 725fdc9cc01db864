// Byte encoding of the assignor protocol: what a member tells the leader (MemberMetadata, in JoinGroup)
// and what the leader hands each member (MemberAssignment, in SyncGroup). The broker never reads these
// bytes. Both are msgpack maps (Kafka uses its own struct layout; Sluice's wire is msgpack throughout):
//
//   MemberMetadata    { version: int, topics: string[], userData: bin | nil,
//                       ownedPartitions?: [{ topic: string, partitions: int[] }],   cooperative assignors
//                       generationId?: int }                                          generation owning them
//   MemberAssignment  { version: int, assignment: { <topic>: int[] }, userData: bin | nil }
//
// `AssignerProtocol.MemberMetadata.encode/decode` and `.MemberAssignment.encode/decode` have kafkajs's
// names and shapes, so a custom kafkajs assigner ports by changing its import.
import { decode, encode } from '@msgpack/msgpack';
import { DEFAULT_RESPONSE_HEADER_LIMITS, scanMsgpack } from '../../../protocol/index.js';

export interface TopicPartitionList {
  topic: string;
  partitions: number[];
}

export interface MemberMetadata {
  version: number;
  topics: string[];
  userData?: Buffer | null;
  /** Partitions the member owns now (sent by cooperative assignors' members). */
  ownedPartitions?: TopicPartitionList[];
  /** Generation in which the member got `ownedPartitions`; resolves double claims after a partition. */
  generationId?: number;
}

export interface MemberAssignment {
  version: number;
  /** topic → partitions. */
  assignment: Record<string, number[]>;
  userData?: Buffer | null;
}

function toBuffer(u8: Uint8Array): Buffer {
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TypeError(`${what} is not a msgpack map`);
  return value as Record<string, unknown>;
}

/**
 * Decodes bytes another member (through the broker) sent, within the SDK's response bounds (depth and
 * values; see src/protocol/msgpack-bounds.ts), so hostile metadata cannot make the decoder allocate per
 * byte. Throws TypeError like any other malformed metadata.
 */
function decodeBounded(bytes: Buffer, what: string): unknown {
  const scan = scanMsgpack(bytes, { ...DEFAULT_RESPONSE_HEADER_LIMITS, maxHeaderBytes: bytes.length });
  if (scan.malformed) throw new TypeError(`${what} is not msgpack: ${scan.malformed}`);
  if (scan.exceeded) throw new TypeError(`${what} ${scan.exceeded}`);
  return decode(bytes);
}

const isIntArray = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => Number.isInteger(x));

function userDataOf(v: unknown): Buffer | null {
  return v instanceof Uint8Array ? toBuffer(v) : null;
}

export const MemberMetadata = {
  encode(m: MemberMetadata): Buffer {
    return toBuffer(
      encode({
        version: m.version,
        topics: m.topics,
        userData: m.userData ?? null,
        ...(m.ownedPartitions ? { ownedPartitions: m.ownedPartitions } : {}),
        ...(m.generationId !== undefined ? { generationId: m.generationId } : {}),
      }),
    );
  },
  /** Decodes; throws TypeError on bytes that are not a MemberMetadata. */
  decode(bytes: Buffer): MemberMetadata {
    const o = asRecord(decodeBounded(bytes, 'member metadata'), 'member metadata');
    if (!Array.isArray(o.topics) || !o.topics.every((t) => typeof t === 'string'))
      throw new TypeError('member metadata has no topics list');
    const owned = Array.isArray(o.ownedPartitions)
      ? o.ownedPartitions.map((x) => {
          const t = asRecord(x, 'ownedPartitions entry');
          if (typeof t.topic !== 'string' || !isIntArray(t.partitions))
            throw new TypeError('bad ownedPartitions entry');
          return { topic: t.topic, partitions: t.partitions };
        })
      : undefined;
    return {
      version: typeof o.version === 'number' ? o.version : 0,
      topics: o.topics as string[],
      userData: userDataOf(o.userData),
      ...(owned ? { ownedPartitions: owned } : {}),
      ...(typeof o.generationId === 'number' ? { generationId: o.generationId } : {}),
    };
  },
};

export const MemberAssignment = {
  encode(a: MemberAssignment): Buffer {
    return toBuffer(encode({ version: a.version, assignment: a.assignment, userData: a.userData ?? null }));
  },
  /** An empty buffer (no assignment yet) decodes to null, as in kafkajs. */
  decode(bytes: Buffer): MemberAssignment | null {
    if (bytes.length === 0) return null;
    const o = asRecord(decodeBounded(bytes, 'member assignment'), 'member assignment');
    const assignment: Record<string, number[]> = {};
    for (const [topic, parts] of Object.entries(asRecord(o.assignment, 'assignment'))) {
      if (!isIntArray(parts)) throw new TypeError(`assignment of ${topic} is not a list of partitions`);
      assignment[topic] = parts;
    }
    return { version: typeof o.version === 'number' ? o.version : 0, assignment, userData: userDataOf(o.userData) };
  },
};

export const AssignerProtocol = { MemberMetadata, MemberAssignment };
