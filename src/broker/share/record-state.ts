// A share-partition record's state: the states it goes through, the legal moves between them (SharePartition
// refuses any other), and what a restart remembers of a record in flight (the state topic's records,
// state-codec.ts; the changes since the last commit, change-runs.ts).
export const RECORD_STATES = ['available', 'acquired', 'waiting', 'deadLettering', 'settled'] as const;
export type RecordState = (typeof RECORD_STATES)[number];

export const TRANSITIONS: Readonly<Record<RecordState, readonly RecordState[]>> = Object.freeze({
  available: ['acquired'],
  // ack → settled; release / lock expiry → available; fail → waiting; reject, last failure → deadLettering
  acquired: ['settled', 'available', 'waiting', 'deadLettering'],
  // retry backoff or deliver-at reached
  waiting: ['available'],
  deadLettering: ['settled'],
  settled: [],
});

export class IllegalRecordTransitionError extends Error {
  override name = 'IllegalRecordTransitionError';
}

/** What a restart must remember of one in-flight record. */
export interface PersistedRecordState {
  readonly offset: number;
  readonly deliveryCount: number;
  /** 'acquired' is remembered for its delivery count: after a restart the lock is gone. */
  readonly state: RecordState;
  /** `waiting`: when it becomes available again. */
  readonly until: number;
  /** The last failure or the reject reason. */
  readonly error: string | null;
}
