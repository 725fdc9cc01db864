import { describe, expect, it } from 'vitest';
import { ChangeRuns } from '../../../src/broker/share/change-runs.js';
import type { PersistedRecordState } from '../../../src/broker/share/record-state.js';
import { decodeStateEntry, encodeChanges } from '../../../src/broker/share/state-codec.js';

const state = (offset: number, over: Partial<PersistedRecordState> = {}): PersistedRecordState => ({
  offset,
  deliveryCount: 1,
  state: 'settled',
  until: 0,
  error: null,
  ...over,
});

describe('share-partition changes record', () => {
  it('stores consecutive like changes as one run and reads back every change in order', () => {
    const changes = [
      ...Array.from({ length: 100 }, (_, i) => state(10 + i)),
      state(200, { state: 'waiting', until: 5000, error: 'boom' }),
      state(201, { state: 'waiting', until: 5000, error: 'boom' }),
      state(202, { state: 'acquired', deliveryCount: 3 }),
      state(10, { state: 'settled', deliveryCount: 2 }),
    ];
    const record = encodeChanges('g', 'jobs', 3, { group: 1, partition: 2 }, 110, ChangeRuns.of(changes));
    const small = encodeChanges('g', 'jobs', 3, { group: 1, partition: 2 }, 110, ChangeRuns.of(changes.slice(0, 1)));
    // A hundred acknowledgements cost about what one does.
    expect(record.value.length).toBeLessThan(small.value.length + 40);
    expect(decodeStateEntry(record.key, record.value)).toEqual({
      kind: 'changes',
      groupId: 'g',
      topic: 'jobs',
      partition: 3,
      epoch: 1,
      partitionEpoch: 2,
      startOffset: 110,
      states: changes,
    });
  });

  it('keeps the start offset unchanged when none is given, and skips a garbled record', () => {
    const record = encodeChanges('g', 't', 0, { group: 0, partition: 0 }, undefined, ChangeRuns.of([state(5)]));
    expect(decodeStateEntry(record.key, record.value)).toMatchObject({ kind: 'changes', startOffset: null });
    const garbled = encodeChanges(
      'g',
      't',
      0,
      { group: 0, partition: 0 },
      undefined,
      ChangeRuns.of([state(5, { until: 1.5 })]),
    );
    expect(decodeStateEntry(garbled.key, garbled.value)).toBeUndefined();
  });
});
