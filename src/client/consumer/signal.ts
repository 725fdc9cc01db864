/**
 * Wakes everything waiting on it; a notify with no waiter is remembered until the next wait. A wait with a
 * timeout ends at its deadline at the latest.
 *
 * One timer serves every wait: a consumer waits once per fetch response it receives, nearly always notified
 * long before its timeout, so the timer is left armed for the next wait (which usually ends later) instead of
 * set and cleared each time. When it fires, waits whose deadline has come end and it is armed again for the
 * earliest left. It holds the event loop open only while someone waits, as a timer per wait would.
 */
export class Signal {
  private waiters: Array<() => void> = [];
  /** Deadline (performance.now() ms) of each waiter, same index; Infinity for none. */
  private deadlines: number[] = [];
  private pending = false;
  private timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (performance.now() ms). */
  private timerAt = 0;

  wait(timeoutMs?: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      let deadline = Number.POSITIVE_INFINITY;
      if (timeoutMs !== undefined) {
        deadline = performance.now() + Math.max(0, timeoutMs);
        this.armBy(deadline, timeoutMs);
        this.timer!.ref();
      }
      this.waiters.push(resolve);
      this.deadlines.push(deadline);
    });
  }

  notify(): void {
    if (this.waiters.length === 0) {
      this.pending = true;
      return;
    }
    const waiters = this.waiters;
    this.waiters = [];
    this.deadlines = [];
    this.timer?.unref();
    for (const w of waiters) w();
  }

  /** Makes sure the timer fires by `deadline`: an armed timer that fires no later is kept. */
  private armBy(deadline: number, timeoutMs: number): void {
    if (this.timer !== undefined) {
      if (this.timerAt <= deadline) return;
      clearTimeout(this.timer);
    }
    this.timerAt = deadline;
    this.timer = setTimeout(this.onTimer, Math.max(0, timeoutMs));
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    // The timer fired at timerAt by its own clock: waits are compared with that, not with a clock read
    // now (which fake timers in a user's tests would not move). Timers round to whole milliseconds.
    const firedAt = this.timerAt;
    const due = firedAt + 1;
    const waiters = this.waiters;
    const deadlines = this.deadlines;
    this.waiters = [];
    this.deadlines = [];
    let next = Number.POSITIVE_INFINITY;
    const woken: Array<() => void> = [];
    for (let i = 0; i < waiters.length; i++) {
      const deadline = deadlines[i]!;
      if (deadline <= due) {
        woken.push(waiters[i]!);
      } else {
        this.waiters.push(waiters[i]!);
        this.deadlines.push(deadline);
        next = Math.min(next, deadline);
      }
    }
    if (next !== Number.POSITIVE_INFINITY) this.armBy(next, next - firedAt);
    for (const w of woken) w();
  };
}
