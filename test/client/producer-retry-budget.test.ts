// The outage a producer rides out with the default retry settings, measured on a fake clock: the sender
// and accumulator of a real producer, a cluster whose broker refuses every connection (as a stopped broker
// does), and the jitter held at the middle of its range (Math.random() = 0.5).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Cluster } from '../../src/client/cluster.js';
import { SluiceConnectionError, SluiceNumberOfRetriesExceeded } from '../../src/client/errors.js';
import { createLogger, logLevel } from '../../src/client/logger.js';
import { Accumulator } from '../../src/client/producer/accumulator.js';
import { PendingSend } from '../../src/client/producer/pending-send.js';
import { Sender } from '../../src/client/producer/sender.js';
import { RETRY_DEFAULTS, resolveRetryOptions } from '../../src/client/retry.js';
import { CompressionCodec } from '../../storage/index.js';

beforeEach(() => {
  vi.useFakeTimers();
  vi.spyOn(Math, 'random').mockReturnValue(0.5);
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** A producer's sending side whose broker is down; `connects` counts connection attempts. */
function producerDuringOutage() {
  const state = { connects: 0 };
  const cluster = {
    leaderOf: () => 0,
    nodeConnection: () => {
      state.connects++;
      return Promise.reject(
        new SluiceConnectionError('connection refused', '127.0.0.1:9650', { code: 'ECONNREFUSED' }),
      );
    },
    refreshMetadata: () => Promise.reject(new Error('broker down')),
    markStale: () => {},
  } as unknown as Cluster;
  const accumulator: Accumulator = new Accumulator({
    batchSize: 256 * 1024,
    identity: () => ({ producerId: 1, epoch: 0 }),
    onBuilt: () => sender.schedule(),
  });
  const sender = new Sender(cluster, accumulator, {
    lingerMs: 0,
    maxInFlightRequests: 5,
    maxInFlightPerPartition: 5,
    maxRequestSize: 16 * 1024 * 1024,
    retry: resolveRetryOptions(undefined),
    logger: createLogger({ level: logLevel.NOTHING }),
  });
  /** One send of a 600 KiB record: a batch of its own (past batchSize) and a request of its own (past the
   * sender's smallest request share of 512 KiB), so k sends make k requests. */
  const send = () => {
    const outcome = { error: null as Error | null, at: -1 };
    const pending = new PendingSend(
      -1,
      30_000,
      CompressionCodec.None,
      () => {},
      (error) => {
        outcome.error = error;
        outcome.at = Date.now();
      },
    );
    accumulator.append(accumulator.queue('t', 0), pending, null, Buffer.alloc(600 * 1024), undefined, Date.now());
    pending.seal();
    sender.schedule();
    return outcome;
  };
  return { state, send };
}

describe('the retry budget with default settings', () => {
  it('is per send: 5 pipelined sends ride out 300 + 600 + 1200 + 2400 + 4800 = 9300 ms of refused connections', async () => {
    expect(RETRY_DEFAULTS).toMatchObject({ retries: 5, initialRetryTime: 300, multiplier: 2, factor: 0.2 });
    const { state, send } = producerDuringOutage();
    const start = Date.now();
    const outcomes = Array.from({ length: 5 }, send);
    await vi.advanceTimersByTimeAsync(0);
    expect(state.connects).toBe(5); // the 5 requests were pipelined, and all failed at once
    await vi.advanceTimersByTimeAsync(9299);
    expect(outcomes.map((o) => o.error)).toEqual(Array(5).fill(null));
    await vi.advanceTimersByTimeAsync(1);
    for (const o of outcomes) {
      expect(o.error).toBeInstanceOf(SluiceNumberOfRetriesExceeded);
      expect(o.error).toMatchObject({ retryCount: 5, cause: { type: 'CONNECTION_ERROR' } });
      expect(o.at - start).toBe(9300);
    }
    // The oldest batch was resent alone (in sequence order) 5 times after the first round.
    expect(state.connects).toBe(10);
  });
});
