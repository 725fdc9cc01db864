// Record layout of the internal topic `__transaction_state` (compacted: the last record of a transactional
// id is its state). Key and value are msgpack arrays whose first element says what the rest is:
//
//   key   [1, transactionalId]
//   value [0, producerId, producerEpoch, timeoutMs, state, partitions, offsets, startMs, updateMs]
//         partitions  [[topic, partition], …]                   the transaction's partitions
//         offsets     [[groupId, topic, partition, offset, metadata|null], …]   TxnOffsetCommit's, pending
//         state       'Empty' | 'Ongoing' | 'PrepareCommit' | 'PrepareAbort' | 'CompleteCommit' | 'CompleteAbort'
//
// Unknown key types and malformed records are skipped on replay, so newer record kinds do not break older brokers.
import { decode, encode } from '@msgpack/msgpack';
import { TXN_STATES, type TransactionSnapshot, type TxnState } from './transaction.js';

const TXN_KEY = 1;

function bytes(value: unknown): Buffer {
  const u8 = encode(value);
  return Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}

export function encodeTxnKey(transactionalId: string): Buffer {
  return bytes([TXN_KEY, transactionalId]);
}

export function encodeTxnValue(t: TransactionSnapshot): Buffer {
  return bytes([
    0,
    t.producerId,
    t.producerEpoch,
    t.timeoutMs,
    t.state,
    t.partitions.map((p) => [p.topic, p.partition]),
    t.offsets.map((o) => [o.groupId, o.topic, o.partition, o.offset, o.metadata]),
    t.startMs,
    t.updateMs,
  ]);
}

const isStr = (x: unknown): x is string => typeof x === 'string';
const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x);

/** One record of the topic; undefined when it is not a transaction record this broker understands. */
export function decodeTxnRecord(
  key: Buffer | null,
  value: Buffer | null,
): { transactionalId: string; value: TransactionSnapshot | null } | undefined {
  if (key === null) return undefined;
  let k: unknown;
  let v: unknown = null;
  try {
    k = decode(key);
    if (value !== null) v = decode(value);
  } catch {
    return undefined;
  }
  if (!Array.isArray(k) || k[0] !== TXN_KEY || !isStr(k[1])) return undefined;
  const transactionalId = k[1];
  if (v === null) return { transactionalId, value: null };
  if (!Array.isArray(v) || v.length < 9) return undefined;
  const [, producerId, producerEpoch, timeoutMs, state, partitions, offsets, startMs, updateMs] = v;
  if (!isInt(producerId) || !isInt(producerEpoch) || !isInt(timeoutMs) || !isInt(startMs) || !isInt(updateMs))
    return undefined;
  if (!TXN_STATES.includes(state as TxnState) || !Array.isArray(partitions) || !Array.isArray(offsets))
    return undefined;
  const parts = partitions.filter((p): p is [string, number] => Array.isArray(p) && isStr(p[0]) && isInt(p[1]));
  const offs = offsets.filter(
    (o): o is [string, string, number, number, string | null] =>
      Array.isArray(o) && isStr(o[0]) && isStr(o[1]) && isInt(o[2]) && isInt(o[3]) && (o[4] === null || isStr(o[4])),
  );
  return {
    transactionalId,
    value: {
      producerId,
      producerEpoch,
      timeoutMs,
      state: state as TxnState,
      partitions: parts.map(([topic, partition]) => ({ topic, partition })),
      offsets: offs.map(([groupId, topic, partition, offset, metadata]) => ({
        groupId,
        topic,
        partition,
        offset,
        metadata,
      })),
      startMs,
      updateMs,
    },
  };
}
