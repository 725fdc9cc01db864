import { describe, expect, it } from 'vitest';
import {
  SluiceError,
  SluiceNonRetriableError,
  SluiceNumberOfRetriesExceeded,
  KafkaJSNumberOfRetriesExceeded,
} from '../../src/client/errors.js';
import { backoff, createRetry, jitter, resolveRetryOptions } from '../../src/client/retry.js';

describe('retry', () => {
  it('backs off exponentially with jitter, capped at maxRetryTime', () => {
    const options = resolveRetryOptions({ initialRetryTime: 100, factor: 0.2, multiplier: 2, maxRetryTime: 1000 });
    // random() = 0.5 means no jitter: 100, 200, 400, 800, 1000 (cap), 1000
    expect([0, 1, 2, 3, 4, 5].map((n) => backoff(options, n, () => 0.5))).toEqual([100, 200, 400, 800, 1000, 1000]);
    // the extremes of the jitter window are ±factor
    expect(jitter(100, 0.2, () => 0)).toBe(80);
    expect(jitter(100, 0.2, () => 1)).toBe(120);
    for (let i = 0; i < 100; i++) {
      const wait = backoff(options, 2);
      expect(wait).toBeGreaterThanOrEqual(Math.floor(100 * 0.8 * 0.8 * 2 * 0.8 * 2));
      expect(wait).toBeLessThanOrEqual(Math.ceil(100 * 1.2 * 1.2 * 2 * 1.2 * 2) + 3);
    }
  });

  it('retries retriable errors, sleeping the backoff between attempts', async () => {
    const sleeps: number[] = [];
    const retry = createRetry(
      { retries: 3, initialRetryTime: 100, factor: 0, multiplier: 2 },
      { sleep: async (ms) => void sleeps.push(ms) },
    );
    let calls = 0;
    const result = await retry(async (_bail, retryCount) => {
      calls++;
      if (retryCount < 2) throw new SluiceError('flaky', { retriable: true });
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    expect(sleeps).toEqual([100, 200]);
  });

  it('gives up after `retries` with NumberOfRetriesExceeded carrying the cause', async () => {
    const retry = createRetry({ retries: 2, initialRetryTime: 1 }, { sleep: async () => {} });
    let calls = 0;
    const cause = new SluiceError('still down', { retriable: true, code: 'ECONNREFUSED' });
    const error = await retry(async () => {
      calls++;
      throw cause;
    }).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(error).toBeInstanceOf(SluiceNumberOfRetriesExceeded);
    expect(error).toBeInstanceOf(KafkaJSNumberOfRetriesExceeded);
    expect((error as SluiceNumberOfRetriesExceeded).cause).toBe(cause);
    expect((error as SluiceNumberOfRetriesExceeded).retriable).toBe(false);
    expect((error as Error).message).toBe('still down');
  });

  it('does not retry non-retriable or programming errors, and honours bail', async () => {
    const retry = createRetry({ retries: 5, initialRetryTime: 1 }, { sleep: async () => {} });
    let calls = 0;
    const fatal = new SluiceNonRetriableError('bad input');
    await expect(
      retry(async () => {
        calls++;
        throw fatal;
      }),
    ).rejects.toBe(fatal);
    await expect(
      retry(async () => {
        calls++;
        throw new TypeError('bug');
      }),
    ).rejects.toThrow(TypeError);
    const stop = new Error('stop now');
    await expect(
      retry(async (bail) => {
        calls++;
        return bail(stop);
      }),
    ).rejects.toBe(stop);
    expect(calls).toBe(3);
  });
});
