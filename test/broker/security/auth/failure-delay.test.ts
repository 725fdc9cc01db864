// The growing delay per source address after repeated authentication failures.
import { describe, expect, it } from 'vitest';
import { FailureDelay } from '../../../../src/broker/security/auth/failure-delay.js';

describe('failure delay', () => {
  it('answers the first failures at once, then doubles up to the cap; success or quiet forgets', () => {
    let now = 0;
    const delay = new FailureDelay(
      { now: () => now },
      { freeFailures: 2, baseDelayMs: 100, maxDelayMs: 500, forgetAfterMs: 1000 },
    );
    expect([1, 2, 3, 4, 5, 6].map(() => delay.failed('10.0.0.1'))).toEqual([0, 0, 100, 200, 400, 500]);
    expect(delay.failed('10.0.0.2')).toBe(0);
    delay.succeeded('10.0.0.1');
    expect(delay.failed('10.0.0.1')).toBe(0);
    delay.failed('10.0.0.1');
    expect(delay.failed('10.0.0.1')).toBe(100);
    now = 5000;
    expect(delay.failed('10.0.0.1')).toBe(0);
  });
});
