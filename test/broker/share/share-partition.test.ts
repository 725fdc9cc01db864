import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShareError } from '../../../src/broker/share/errors.js';
import { resolveRetryPolicy } from '../../../src/broker/share/retry-policy.js';
import { type PersistedRecordState, TRANSITIONS } from '../../../src/broker/share/record-state.js';
import { SharePartition, type ShareRecord } from '../../../src/broker/share/share-partition.js';

const T0 = 1_700_000_000_000;

function record(offset: number, extra: Partial<ShareRecord> = {}): ShareRecord {
  return {
    offset,
    timestamp: T0,
    key: null,
    value: Buffer.from(`v${offset}`),
    headers: [],
    priority: 0,
    deliverAt: 0,
    batch: { section: Buffer.alloc(0), baseOffset: offset, baseTimestamp: T0, appendTimestamp: null },
    start: 0,
    end: 0,
    ...extra,
  };
}

function partition(count: number, options: { maxAttempts?: number; window?: number; start?: number } = {}) {
  const sp = new SharePartition({
    startOffset: options.start ?? 0,
    retry: resolveRetryPolicy({ maxAttempts: options.maxAttempts ?? 3, backoff: { type: 'fixed', initialMs: 100 } }),
    windowRecords: options.window ?? 1000,
    random: () => 0.5,
  });
  const records = Array.from({ length: count }, (_, i) => record((options.start ?? 0) + i));
  sp.load(records, (options.start ?? 0) + count, T0);
  return sp;
}

describe('share-partition state machine', () => {
  it('hands records out in offset order to one member and advances the start offset over acks', () => {
    const sp = partition(5);
    const first = sp.acquire('a', 2, T0, 30_000);
    expect(first.map((r) => r.record.offset)).toEqual([0, 1]);
    expect(first.every((r) => r.deliveryCount === 1)).toBe(true);
    sp.acknowledge('a', 1, 'ack', T0);
    expect(sp.startOffset).toBe(0);
    sp.acknowledge('a', 0, 'ack', T0);
    expect(sp.startOffset).toBe(2);
    expect(sp.takeChanges().startOffset).toBe(2);
  });

  it('refuses an ack from a member that does not hold the record, with a sentence saying why', () => {
    const sp = partition(3);
    sp.acquire('a', 1, T0, 30_000);
    expect(() => sp.acknowledge('b', 0, 'ack', T0)).toThrow(/held by another member/);
    expect(() => sp.acknowledge('a', 2, 'ack', T0)).toThrow(/not held by a/);
    expect(() => sp.acknowledge('a', 99, 'ack', T0)).toThrow(/not delivered to this group/);
    sp.acknowledge('a', 0, 'ack', T0);
    const err = (() => {
      try {
        sp.acknowledge('a', 0, 'ack', T0);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ShareError);
    expect((err as ShareError).problem).toBe('not-held');
    expect((err as Error).message).toMatch(/already settled/);
  });

  it('makes a record available again when its lock expires, and refuses the late ack', () => {
    const sp = partition(1);
    sp.acquire('a', 1, T0, 1000);
    expect(sp.nextDeadline).toBe(T0 + 1000);
    expect(sp.acquire('b', 1, T0 + 999, 1000)).toEqual([]);
    const again = sp.acquire('b', 1, T0 + 1000, 1000);
    expect(again.map((r) => [r.record.offset, r.deliveryCount])).toEqual([[0, 2]]);
    expect(() => sp.acknowledge('a', 0, 'ack', T0 + 1001)).toThrow(/held by another member/);
  });

  it('retries a failed record after the backoff, in offset order before later records, then dead-letters it', () => {
    const sp = partition(3, { maxAttempts: 2 });
    sp.acquire('a', 1, T0, 30_000);
    sp.acknowledge('a', 0, 'fail', T0, { error: 'boom' });
    expect(sp.acquire('a', 1, T0 + 50, 30_000).map((r) => r.record.offset)).toEqual([1]);
    sp.acknowledge('a', 1, 'ack', T0 + 50);
    const retry = sp.acquire('a', 1, T0 + 100, 30_000);
    expect(retry.map((r) => [r.record.offset, r.deliveryCount])).toEqual([[0, 2]]);
    sp.acknowledge('a', 0, 'fail', T0 + 100, { error: 'boom again' });
    expect(sp.pendingDeadLetters()).toEqual([expect.objectContaining({ deliveryCount: 2, error: 'boom again' })]);
    // Record 0 was parked below the start offset while it waited for its retry; it stays there until settled.
    expect(sp.startOffset).toBe(2);
    expect(sp.stateOf(0)?.state).toBe('deadLettering');
    sp.deadLettered(0);
    expect(sp.startOffset).toBe(2);
    expect(sp.stateOf(0)?.state).toBe('settled');
  });

  it('sends a rejected record to the dead letters at once, and a release gives the delivery back', () => {
    const sp = partition(2);
    sp.acquire('a', 2, T0, 30_000);
    sp.acknowledge('a', 0, 'release', T0);
    sp.acknowledge('a', 1, 'reject', T0, { error: 'bad payload' });
    expect(sp.pendingDeadLetters().map((d) => [d.record.offset, d.error])).toEqual([[1, 'bad payload']]);
    expect(sp.acquire('b', 1, T0, 30_000)[0]!.deliveryCount).toBe(1);
  });

  it('holds a delayed record until its time, and hands out higher priorities first within the window', () => {
    const sp = new SharePartition({ startOffset: 0, retry: resolveRetryPolicy(), windowRecords: 3 });
    sp.load(
      [record(0), record(1, { deliverAt: T0 + 500 }), record(2, { priority: 9 }), record(3, { priority: 9 })],
      4,
      T0,
    );
    expect(sp.loadedEnd).toBe(3);
    expect(sp.acquire('a', 5, T0, 30_000).map((r) => r.record.offset)).toEqual([2, 0]);
    expect(sp.nextDeadline).toBe(T0 + 500);
    expect(sp.acquire('a', 5, T0 + 500, 30_000).map((r) => r.record.offset)).toEqual([1]);
  });

  it('after a restart, records locked at the crash are available with their delivery counts kept', () => {
    const restored = new Map<number, PersistedRecordState>([
      [0, { offset: 0, deliveryCount: 2, state: 'acquired', until: 0, error: null }],
      [1, { offset: 1, deliveryCount: 1, state: 'settled', until: 0, error: null }],
      [2, { offset: 2, deliveryCount: 3, state: 'acquired', until: 0, error: null }],
    ]);
    const sp = new SharePartition({
      startOffset: 0,
      retry: resolveRetryPolicy({ maxAttempts: 3 }),
      windowRecords: 10,
      restored,
    });
    sp.load([record(0), record(1), record(2), record(3)], 4, T0);
    expect(sp.acquire('a', 5, T0, 30_000).map((r) => [r.record.offset, r.deliveryCount])).toEqual([
      [0, 3],
      [3, 1],
    ]);
    expect(sp.pendingDeadLetters().map((d) => d.record.offset)).toEqual([2]);
  });

  it('counts records past the window by what the restart remembered: settled ones are not available', () => {
    const restored = new Map<number, PersistedRecordState>([
      [0, { offset: 0, deliveryCount: 1, state: 'acquired', until: 0, error: null }],
      [3, { offset: 3, deliveryCount: 1, state: 'settled', until: 0, error: null }],
      [4, { offset: 4, deliveryCount: 2, state: 'settled', until: 0, error: null }],
      [5, { offset: 5, deliveryCount: 1, state: 'waiting', until: T0 + 1000, error: 'boom' }],
    ]);
    const sp = new SharePartition({ startOffset: 0, retry: resolveRetryPolicy(), windowRecords: 2, restored });
    sp.load(
      [0, 1, 2, 3, 4, 5, 6].map((o) => record(o)),
      7,
      T0,
    );
    expect(sp.loadedEnd).toBe(2);
    // In the window: 0 (delivered once before) and 1. Past it: 2 and 6 never delivered, 3 and 4 acked, 5
    // waiting for its retry.
    const summary = sp.summary(7, T0);
    expect(summary).toMatchObject({ available: 4, acquired: 0, waiting: 1, deadLettering: 0 });
    expect(summary.deliveryCounts).toEqual({ 0: 3, 1: 2 });
    expect(sp.summary(7, T0 + 1000)).toMatchObject({ available: 5, waiting: 0 });
  });

  it('parks a record waiting for its time outside the window: a long delay holds up nothing behind it', () => {
    const HOUR = 3600_000;
    const log = [record(0, { deliverAt: T0 + HOUR }), ...Array.from({ length: 9 }, (_, i) => record(i + 1))];
    const retry = resolveRetryPolicy({ maxAttempts: 3, backoff: { type: 'fixed', initialMs: 100 } });
    const sp = new SharePartition({ startOffset: 0, retry, windowRecords: 3 });
    const delivered: number[] = [];
    for (let round = 0; round < 10 && delivered.length < 9; round++) {
      sp.load(log.slice(sp.loadedEnd, sp.loadedEnd + sp.room), Math.min(10, sp.loadedEnd + sp.room), T0);
      for (const got of sp.acquire('a', 2, T0, 30_000)) {
        delivered.push(got.record.offset);
        // Record 1 fails once: it waits for its retry, parked too once the start offset reaches it.
        sp.acknowledge('a', got.record.offset, got.record.offset === 1 && got.deliveryCount === 1 ? 'fail' : 'ack', T0);
      }
    }
    expect(delivered).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(sp.startOffset).toBe(10);
    expect(sp.stateOf(0)?.state).toBe('waiting');
    expect(sp.summary(10, T0)).toMatchObject({ available: 0, waiting: 2 });
    // The retry and the delayed record come back at their times, from below the start offset.
    expect(sp.acquire('a', 5, T0 + 100, 30_000).map((r) => [r.record.offset, r.deliveryCount])).toEqual([[1, 2]]);
    sp.acknowledge('a', 1, 'ack', T0 + 100);
    expect(sp.acquire('a', 5, T0 + HOUR - 1, 30_000)).toEqual([]);
    const late = sp.acquire('a', 5, T0 + HOUR, 30_000);
    expect(late.map((r) => r.record.offset)).toEqual([0]);

    // A restart remembers the parked record (below the start offset) and reads it back.
    sp.acknowledge('a', 0, 'fail', T0 + HOUR, { error: 'not yet' });
    const restored = new Map(sp.snapshot().map((state) => [state.offset, state]));
    const after = new SharePartition({
      startOffset: sp.startOffset,
      retry,
      windowRecords: 3,
      restored,
    });
    expect(after.parkedToLoad).toEqual([0]);
    after.loadParked([log[0]!], [], T0 + HOUR);
    expect(after.parkedToLoad).toEqual([]);
    expect(after.stateOf(0)).toMatchObject({ state: 'waiting', deliveryCount: 1 });
    expect(after.acquire('b', 5, T0 + HOUR + 100, 30_000).map((r) => [r.record.offset, r.deliveryCount])).toEqual([
      [0, 2],
    ]);
  });

  it('settles a range as the same acknowledgements offset by offset would, refusing the offsets not held', () => {
    const sp = partition(8);
    sp.acquire('a', 3, T0, 30_000);
    sp.acquire('b', 2, T0, 30_000);
    sp.acquire('a', 2, T0, 30_000);
    const refused: Array<[number, string]> = [];
    const taken = sp.acknowledgeRange('a', 1, 7, 'ack', T0, {}, (offset, error) =>
      refused.push([offset, error.message]),
    );
    expect(taken).toBe(4);
    expect(refused).toEqual([
      [3, 'record 3 is held by another member, not a'],
      [4, 'record 4 is held by another member, not a'],
      [7, 'record 7 is not held by a: its lock expired or it was given back'],
    ]);
    expect(sp.startOffset).toBe(0);
    expect(sp.heldCount('a')).toBe(1);
    expect(sp.acknowledgeRange('a', 0, 0, 'ack', T0, {}, () => expect.fail('held'))).toBe(1);
    expect(sp.startOffset).toBe(3);
    expect(sp.heldCount('a')).toBe(0);
    expect(sp.acknowledgeRange('b', 3, 4, 'fail', T0, { error: 'x' }, () => expect.fail('held'))).toBe(2);
    expect(sp.stateOf(3)).toMatchObject({ state: 'waiting', deliveryCount: 1 });
  });

  it('property: a range acknowledgement leaves the same states and changes as its offsets one by one', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('acquire' as const), member: fc.nat(2), max: fc.integer({ min: 1, max: 5 }) }),
      fc.record({
        kind: fc.constantFrom('ack' as const, 'fail' as const, 'release' as const),
        member: fc.nat(2),
        first: fc.nat(14),
        length: fc.integer({ min: 1, max: 6 }),
      }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 400 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const make = () =>
          new SharePartition({
            startOffset: 0,
            retry: resolveRetryPolicy({ maxAttempts: 3, backoff: { type: 'fixed', initialMs: 100 } }),
            windowRecords: 6,
            parkedRecords: 2,
          });
        const log = Array.from({ length: 15 }, (_, i) => record(i));
        const ranged = make();
        const single = make();
        let now = T0;
        for (const o of ops) {
          for (const sp of [ranged, single]) {
            const from = sp.loadedEnd;
            sp.load(log.slice(from, from + sp.room), Math.min(log.length, from + sp.room), now);
          }
          if (o.kind === 'advance') now += o.ms;
          else if (o.kind === 'acquire') {
            const got = ranged.acquire(`m${o.member}`, o.max, now, 300).map((r) => r.record.offset);
            expect(single.acquire(`m${o.member}`, o.max, now, 300).map((r) => r.record.offset)).toEqual(got);
          } else {
            const last = o.first + o.length - 1;
            const refused: Array<[number, string]> = [];
            ranged.acknowledgeRange(`m${o.member}`, o.first, last, o.kind, now, { error: 'x' }, (offset, error) =>
              refused.push([offset, error.message]),
            );
            const thrown: Array<[number, string]> = [];
            for (let offset = o.first; offset <= last; offset++) {
              try {
                single.acknowledge(`m${o.member}`, offset, o.kind, now, { error: 'x' });
              } catch (error) {
                thrown.push([offset, (error as Error).message]);
              }
            }
            expect(refused).toEqual(thrown);
          }
          expect(ranged.startOffset).toBe(single.startOffset);
          expect(ranged.summary(15, now)).toEqual(single.summary(15, now));
          expect([...ranged.takeChanges().runs.states()]).toEqual([...single.takeChanges().runs.states()]);
          for (let m = 0; m < 3; m++) expect(ranged.heldCount(`m${m}`)).toBe(single.heldCount(`m${m}`));
          for (let offset = 0; offset < 15; offset++) expect(ranged.stateOf(offset)).toEqual(single.stateOf(offset));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('declares its transitions as a table in which settled is final', () => {
    expect(TRANSITIONS.settled).toEqual([]);
    expect(TRANSITIONS.available).toEqual(['acquired']);
  });

  it('property: never two holders, every record settled exactly once, counts never go backwards', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('acquire' as const), member: fc.nat(3), max: fc.integer({ min: 1, max: 4 }) }),
      fc.record({
        kind: fc.constantFrom('ack' as const, 'release' as const, 'reject' as const, 'fail' as const),
        member: fc.nat(3),
        pick: fc.nat(20),
      }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 400 }) }),
      fc.record({ kind: fc.constant('leave' as const), member: fc.nat(3) }),
      fc.record({ kind: fc.constant('deadLetter' as const) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(op, { maxLength: 80 }), (count, ops) => {
        const sp = new SharePartition({
          startOffset: 0,
          retry: resolveRetryPolicy({ maxAttempts: 3, backoff: { type: 'exponential', initialMs: 50, jitter: 0.5 } }),
          windowRecords: 5,
        });
        let now = T0;
        const log = Array.from({ length: count }, (_, i) => record(i));
        const loadMore = () => {
          const from = sp.loadedEnd;
          sp.load(log.slice(from, from + sp.room), Math.min(count, from + sp.room), now);
        };
        // What each member believes it holds: offset → lock expiry.
        const beliefs = new Map<number, Map<number, number>>();
        const holder = (offset: number, at: number) =>
          [...beliefs].filter(([, held]) => (held.get(offset) ?? -1) > at).map(([m]) => m);
        const settledTimes = new Map<number, number>();
        const lastCount = new Map<number, number>();
        const collect = () => {
          for (const change of sp.takeChanges().runs.states()) {
            const before = lastCount.get(change.offset) ?? 0;
            // Only a release gives one back, and then to the value before that delivery.
            expect(change.deliveryCount).toBeGreaterThanOrEqual(before - 1);
            lastCount.set(change.offset, change.deliveryCount);
            if (change.state === 'settled') settledTimes.set(change.offset, (settledTimes.get(change.offset) ?? 0) + 1);
          }
        };
        const run = (o: (typeof ops)[number]) => {
          loadMore();
          if (o.kind === 'acquire') {
            for (const got of sp.acquire(`m${o.member}`, o.max, now, 300)) {
              expect(holder(got.record.offset, now)).toEqual([]);
              if (!beliefs.has(o.member)) beliefs.set(o.member, new Map());
              beliefs.get(o.member)!.set(got.record.offset, got.lockExpiresAt);
            }
          } else if (o.kind === 'advance') {
            now += o.ms;
          } else if (o.kind === 'leave') {
            sp.releaseMember(`m${o.member}`);
            beliefs.delete(o.member);
          } else if (o.kind === 'deadLetter') {
            for (const dead of sp.pendingDeadLetters()) sp.deadLettered(dead.record.offset);
          } else {
            const held = [...(beliefs.get(o.member)?.keys() ?? [])];
            const offset = held.length > 0 ? held[o.pick % held.length]! : o.pick;
            const valid = (beliefs.get(o.member)?.get(offset) ?? -1) > now;
            beliefs.get(o.member)?.delete(offset);
            if (valid) sp.acknowledge(`m${o.member}`, offset, o.kind, now, { error: 'x' });
            else expect(() => sp.acknowledge(`m${o.member}`, offset, o.kind, now)).toThrow(ShareError);
          }
          collect();
        };
        ops.forEach(run);
        // Drain: one member acks everything that comes, time moves on, dead letters are written.
        // (Until every record is settled: a record waiting for its retry is parked below the start offset.)
        for (let round = 0; round < 200 && settledTimes.size < count; round++) {
          loadMore();
          for (const got of sp.acquire('drain', 100, now, 300)) sp.acknowledge('drain', got.record.offset, 'ack', now);
          for (const dead of sp.pendingDeadLetters()) sp.deadLettered(dead.record.offset);
          now += 1000;
          collect();
        }
        expect(sp.startOffset).toBe(count);
        for (let offset = 0; offset < count; offset++) expect(settledTimes.get(offset)).toBe(1);
      }),
      { numRuns: 300 },
    );
  });
});
