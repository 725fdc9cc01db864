// onAbort: what fetch long polls use to stop waiting when their connection closes.
import { describe, expect, it } from 'vitest';
import { onAbort } from '../../src/broker/fetch/abort-hooks.js';

describe('onAbort', () => {
  it('runs every registered callback once when the signal aborts, and not the unregistered ones', () => {
    const controller = new AbortController();
    const calls: string[] = [];
    onAbort(controller.signal, () => calls.push('a'));
    const unhookB = onAbort(controller.signal, () => calls.push('b'));
    onAbort(controller.signal, () => calls.push('c'));
    unhookB();
    controller.abort();
    controller.abort();
    expect(calls).toEqual(['a', 'c']);
  });

  it('keeps the callbacks of different signals apart', () => {
    const first = new AbortController();
    const second = new AbortController();
    const calls: string[] = [];
    onAbort(first.signal, () => calls.push('first'));
    onAbort(second.signal, () => calls.push('second'));
    second.abort();
    expect(calls).toEqual(['second']);
    first.abort();
    expect(calls).toEqual(['second', 'first']);
  });
});
