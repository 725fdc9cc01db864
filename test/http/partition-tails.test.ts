// The WebSocket gateway's readers of a partition (a shared tail and a socket reading on its own), against a
// core that serves one window of records and then has nothing more: what a reader keeps while it waits.
import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../helpers/gc.js';
import type { ConsumedRecord, HttpCore, ReadWindow } from '../../src/http/core.js';
import { PartitionFeed } from '../../src/http/ws/partition-feed.js';
import { PartitionTails, type TailMember } from '../../src/http/ws/partition-tails.js';

const RECORDS = 200;

/**
 * A core with one partition: its first read returns RECORDS records of 1 KiB (made there and kept by
 * nobody but the reader), every later read none; a wait for records calls `waiting` and never ends.
 */
function oneWindowCore(waiting: () => void) {
  let served = false;
  let servedRecords: WeakRef<ConsumedRecord[]> | undefined;
  const core = {
    stopping: false,
    async read(_topic: string, partition: number, from: number): Promise<ReadWindow> {
      if (served) return { records: [], nextOffset: from, logStartOffset: 0, highWatermark: from };
      served = true;
      const records: ConsumedRecord[] = Array.from({ length: RECORDS }, (_, offset) => ({
        partition,
        offset,
        timestamp: 0,
        key: null,
        value: Buffer.alloc(1024, 'x'),
        headers: [],
      }));
      servedRecords = new WeakRef(records);
      return { records, nextOffset: RECORDS, logStartOffset: 0, highWatermark: RECORDS };
    },
    waitForRecords(): Promise<void> {
      waiting();
      return new Promise(() => {});
    },
    partition: () => ({ logStartOffset: 0 }),
  };
  return { core: core as unknown as HttpCore, servedRecords: () => servedRecords };
}

/** Resolves once `waiting` has been called and the reader's await has settled into its wait. */
function waitingSignal() {
  let reached!: () => void;
  const reachedWait = new Promise<void>((resolve) => {
    reached = resolve;
  });
  return { waiting: () => setImmediate(reached), reachedWait };
}

/** A socket's send that counts the frames and keeps only a weak reference to the first. */
function countingSend() {
  const seen = { sent: 0, first: undefined as WeakRef<Buffer> | undefined };
  const send = (frame: Buffer) => {
    seen.first ??= new WeakRef(frame);
    seen.sent++;
  };
  return { seen, send };
}

/** The reader delivered the window and waits: every record sent, and neither the records nor a frame reachable. */
function expectDeliveredAndLetGo(
  seen: ReturnType<typeof countingSend>['seen'],
  position: number,
  servedRecords: () => WeakRef<ConsumedRecord[]> | undefined,
): void {
  expect(seen.sent).toBe(RECORDS);
  expect(position).toBe(RECORDS);
  collectGarbage();
  expect(servedRecords()!.deref()).toBeUndefined();
  expect(seen.first!.deref()).toBeUndefined();
}

describe('WebSocket partition readers', () => {
  it("let go of a delivered window's records and frames while they wait for more", async () => {
    const { waiting, reachedWait } = waitingSignal();
    const { core, servedRecords } = oneWindowCore(waiting);
    const tails = new PartitionTails(core);
    const { seen, send } = countingSend();
    const member: TailMember = {
      topic: 't',
      partition: 0,
      position: 0,
      format: 'binary',
      canTake: () => true,
      send,
      leftBehind: () => {},
      failed: (error) => {
        throw error;
      },
    };
    expect(tails.join(member)).toBe(true);
    await reachedWait;
    expectDeliveredAndLetGo(seen, member.position, servedRecords);
    tails.leave(member);
  });

  it("a socket reading on its own lets go of its last window's frames while it waits for more", async () => {
    const { waiting, reachedWait } = waitingSignal();
    const { core, servedRecords } = oneWindowCore(waiting);
    // A tail that never takes the feed, so it reads on its own (as while catching up from `earliest`).
    const tails = Object.assign(new PartitionTails(core), { join: () => false }) as PartitionTails;
    const { seen, send } = countingSend();
    const stop = new AbortController();
    const feed = new PartitionFeed(
      { topic: 't', partition: 0, position: 0, format: 'binary' },
      core,
      tails,
      {
        canTake: () => true,
        send,
        writable: async () => {},
        failed: (_topic, _partition, error) => {
          throw error;
        },
      },
      stop.signal,
    );
    feed.start();
    await reachedWait;
    expectDeliveredAndLetGo(seen, feed.position, servedRecords);
    stop.abort();
  });
});
