// Byte encoding of the assignor protocol: what a member tells the leader (MemberMetadata, in JoinGroup)
// and what the leader hands each member (MemberAssignment, in SyncGroup). The broker never reads these
// bytes. They are Kafka's ConsumerProtocol (src/protocol/kafka/messages/consumer-protocol.ts), the layout
// every Kafka client writes, so one group can mix SDK members with kafkajs, librdkafka and Java members:
//
//   MemberMetadata    int16 version | topics [string] | userData bytes
//                     | v1+ ownedPartitions [topic string, partitions [int32]]   cooperative assignors
//                     | v2+ generationId int32                                   generation owning them
//                     | v3+ rackId string
//   MemberAssignment  int16 version | [topic string, partitions [int32]] | userData bytes
//
// `AssignerProtocol.MemberMetadata.encode/decode` and `.MemberAssignment.encode/decode` have kafkajs's
// names, shapes and bytes, so a custom kafkajs assigner ports by changing its import.
import { messageCodec } from '../../../protocol/kafka/codec.js';
import {
  ConsumerProtocolAssignment,
  ConsumerProtocolSubscription,
} from '../../../protocol/kafka/messages/consumer-protocol.js';
import { KafkaDecodeError, Reader } from '../../../protocol/kafka/reader.js';
import type { MessageDef } from '../../../protocol/kafka/schema.js';
import { Writer } from '../../../protocol/kafka/writer.js';

export interface TopicPartitionList {
  topic: string;
  partitions: number[];
}

export interface MemberMetadata {
  version: number;
  topics: string[];
  userData?: Buffer | null;
  /** Partitions the member owns now (written from version 1, sent by cooperative assignors' members). */
  ownedPartitions?: TopicPartitionList[];
  /** Generation in which the member got `ownedPartitions` (written from version 2); resolves double claims. */
  generationId?: number;
}

export interface MemberAssignment {
  version: number;
  /** topic → partitions. An object without a prototype: a topic named `__proto__` is an entry like any other. */
  assignment: Record<string, number[]>;
  userData?: Buffer | null;
}

/** The newest ConsumerProtocol version whose fields Sluice knows; newer versions are read as this one. */
const NEWEST_KNOWN = 3;

function checkVersion(version: number, what: string): number {
  if (!Number.isInteger(version) || version < 0 || version > 0x7fff)
    throw new TypeError(`${what} version ${version} is not an int16 of 0 or more`);
  return version;
}

function encodeVersioned(def: MessageDef, version: number, value: Record<string, unknown>): Buffer {
  const w = new Writer();
  w.int16(checkVersion(version, def.name));
  messageCodec(def, Math.min(version, NEWEST_KNOWN)).write(w, value);
  return Buffer.concat(w.finish());
}

/**
 * Reads the version, then the fields of that version (of the newest known one for a newer version, the
 * bytes after them ignored, as Kafka does). Some writers put a version in front of fewer fields than it
 * has (kafkajs assigners with `version: 1` write only version 0's fields): the fields are then read at the
 * highest lower version they fit. Hostile bytes cannot make it allocate: every count is checked against
 * the bytes left first. Throws TypeError on bytes that are no version of `def`.
 */
function decodeVersioned(
  def: MessageDef,
  bytes: Buffer,
  what: string,
): { version: number; fields: Record<string, unknown> } {
  try {
    const version = new Reader(bytes).int16();
    if (version < 0) throw new TypeError(`${what} has a negative version (${version})`);
    let problem: KafkaDecodeError | undefined;
    for (let v = Math.min(version, NEWEST_KNOWN); v >= 0; v--) {
      try {
        return { version, fields: messageCodec(def, v).read(new Reader(bytes, 2)) };
      } catch (err) {
        if (!(err instanceof KafkaDecodeError)) throw err;
        problem ??= err;
      }
    }
    throw problem;
  } catch (err) {
    if (err instanceof KafkaDecodeError) throw new TypeError(`${what} is not Kafka's ConsumerProtocol: ${err.message}`);
    throw err;
  }
}

function userDataOf(value: unknown): Buffer | null {
  // A view of the received bytes: copied so it does not pin (or alias) the response frame.
  return Buffer.isBuffer(value) ? Buffer.from(value) : null;
}

export const MemberMetadata = {
  encode(m: MemberMetadata): Buffer {
    return encodeVersioned(ConsumerProtocolSubscription, m.version, {
      topics: m.topics,
      userData: m.userData ?? null,
      ownedPartitions: m.ownedPartitions ?? [],
      generationId: m.generationId ?? -1,
    });
  },
  /** Decodes; throws TypeError on bytes that are not a MemberMetadata. */
  decode(bytes: Buffer): MemberMetadata {
    const { version, fields } = decodeVersioned(ConsumerProtocolSubscription, bytes, 'member metadata');
    const owned = fields.ownedPartitions as TopicPartitionList[] | undefined;
    const generationId = fields.generationId as number | undefined;
    return {
      version,
      topics: fields.topics as string[],
      userData: userDataOf(fields.userData),
      ...(version >= 1 && owned ? { ownedPartitions: owned } : {}),
      ...(version >= 2 && generationId !== undefined ? { generationId } : {}),
    };
  },
};

export const MemberAssignment = {
  encode(a: MemberAssignment): Buffer {
    return encodeVersioned(ConsumerProtocolAssignment, a.version, {
      assignedPartitions: Object.entries(a.assignment).map(([topic, partitions]) => ({ topic, partitions })),
      userData: a.userData ?? null,
    });
  },
  /** An empty buffer (no assignment yet) decodes to null, as in kafkajs. Throws TypeError on other bad bytes. */
  decode(bytes: Buffer): MemberAssignment | null {
    if (bytes.length === 0) return null;
    const { version, fields } = decodeVersioned(ConsumerProtocolAssignment, bytes, 'member assignment');
    const assignment: Record<string, number[]> = Object.create(null);
    for (const { topic, partitions } of fields.assignedPartitions as TopicPartitionList[])
      assignment[topic] = topic in assignment ? [...assignment[topic]!, ...partitions] : partitions;
    return { version, assignment, userData: userDataOf(fields.userData) };
  },
};

export const AssignerProtocol = { MemberMetadata, MemberAssignment };
