// The owner of a WebSocket session's subscription, with subscriptions whose start the test finishes when it
// wants: whatever order subscribe, unsubscribe and close come in, and whatever state a subscription is in
// (starting included), the one before is stopped before the next starts and nothing is left running.
import { describe, expect, it } from 'vitest';
import { SubscriptionSlot, type WsSubscription } from '../../src/http/ws/subscription-slot.js';

interface Fake extends WsSubscription {
  signal: AbortSignal;
  /** Finishes a start under way (with an error: the start is refused). */
  finishStart(error?: Error): void;
}

/** Subscriptions that write what happens to `log`; `running` is the set of those started and not stopped. */
function fakes(log: string[], running: Set<string>) {
  const made: Record<string, Fake> = {};
  const make = (name: string) => (signal: AbortSignal) => {
    let finish: (error?: Error) => void = () => undefined;
    const fake: Fake = {
      signal,
      start: () => {
        log.push(`${name} start`);
        running.add(name);
        return new Promise<void>((resolve, reject) => {
          finish = (error) => {
            log.push(error ? `${name} refused` : `${name} started`);
            if (error) reject(error);
            else resolve();
          };
        });
      },
      stop: async () => {
        log.push(`${name} stop`);
        running.delete(name);
      },
      finishStart: (error) => finish(error),
    };
    made[name] = fake;
    return fake;
  };
  return { made, make };
}

/** Lets pending promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('SubscriptionSlot', () => {
  it('a subscribe while the one before is starting stops it once its start has ended, then starts', async () => {
    const log: string[] = [];
    const running = new Set<string>();
    const { made, make } = fakes(log, running);
    const slot = new SubscriptionSlot();
    const first = slot.subscribe(make('a'));
    await settle();
    expect(log).toEqual(['a start']);
    const second = slot.subscribe(make('b'));
    // The first is told at once that it is to stop, while its start is still under way.
    expect(made.a!.signal.aborted).toBe(true);
    await settle();
    expect(log).toEqual(['a start']);
    made.a!.finishStart();
    await expect(first).rejects.toMatchObject({ status: 409 });
    await settle();
    made.b!.finishStart();
    await second;
    expect(log).toEqual(['a start', 'a started', 'a stop', 'b start', 'b started']);
    expect(slot.current).toBe(made.b);
    await slot.close();
    expect(running).toEqual(new Set());
    expect(made.b!.signal.aborted).toBe(true);
  });

  it('close while subscribes are queued: the one starting is stopped, the others never start', async () => {
    const log: string[] = [];
    const running = new Set<string>();
    const { made, make } = fakes(log, running);
    const slot = new SubscriptionSlot();
    const answers = [slot.subscribe(make('a'))];
    await settle();
    answers.push(slot.subscribe(make('b')), slot.subscribe(make('c')));
    const closed = slot.close();
    await settle();
    made.a!.finishStart();
    await closed;
    for (const answer of answers) await expect(answer).rejects.toMatchObject({ status: 409 });
    expect(log).toEqual(['a start', 'a started', 'a stop']);
    expect(running).toEqual(new Set());
    expect(slot.current).toBeUndefined();
    // Closed for good: a subscribe after it makes nothing.
    await expect(slot.subscribe(make('d'))).rejects.toMatchObject({ status: 409 });
    expect(made.d).toBeUndefined();
  });

  it('subscribes asked for at once: only the last one starts', async () => {
    const log: string[] = [];
    const running = new Set<string>();
    const { made, make } = fakes(log, running);
    const slot = new SubscriptionSlot();
    const answers = [slot.subscribe(make('a')), slot.subscribe(make('b'))];
    const last = slot.subscribe(make('c'));
    await settle();
    made.c!.finishStart();
    await last;
    for (const answer of answers) await expect(answer).rejects.toMatchObject({ status: 409 });
    expect(log).toEqual(['c start', 'c started']);
    await slot.close();
    expect(running).toEqual(new Set());
  });

  it('a refused start is undone and answered with its refusal; unsubscribe waits for the stop', async () => {
    const log: string[] = [];
    const running = new Set<string>();
    const { made, make } = fakes(log, running);
    const slot = new SubscriptionSlot();
    const refused = slot.subscribe(make('a'));
    await settle();
    made.a!.finishStart(new Error('unknown topic'));
    await expect(refused).rejects.toThrow('unknown topic');
    expect(slot.current).toBeUndefined();
    const ok = slot.subscribe(make('b'));
    await settle();
    made.b!.finishStart();
    await ok;
    await slot.unsubscribe();
    expect(log).toEqual(['a start', 'a refused', 'a stop', 'b start', 'b started', 'b stop']);
    expect(running).toEqual(new Set());
  });
});
