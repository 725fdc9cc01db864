// Decimal strings of record offsets and timestamps, as the kafkajs-shaped messages carry them, without a
// number→string conversion per record: a 13-digit timestamp is a heap number whose conversion costs about
// a hundred nanoseconds, more than the rest of a message. And a string V8 converts from a number stays in its
// number-string cache (up to 16,384 of them) until another number takes its slot: an offset string made that
// way outlives the scavenges of a process that makes thousands a second, which copy and promote it.

/** "000" … "999": the last three digits of an offset string. */
const LAST_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/**
 * Decimal strings of consecutive offsets without a number→string conversion per record: the digits
 * above the last three change once per thousand offsets, so they are converted once and joined with a
 * precomputed three-digit tail (V8 copies a join of under 13 characters flat, and makes a longer one a cons string).
 */
export class OffsetStrings {
  private high = -1;
  private prefix = '';

  of(offset: number): string {
    if (offset < 1000) return String(offset);
    const high = Math.floor(offset / 1000);
    if (high !== this.high) {
      this.high = high;
      this.prefix = String(high);
    }
    return this.prefix + LAST_DIGITS[offset - high * 1000]!;
  }
}

/** The decimal string of a timestamp, converted once while consecutive records repeat it (records of one batch mostly do). */
export class TimestampStrings {
  private last = Number.NaN;
  private lastString = '';

  of(timestamp: number): string {
    if (timestamp !== this.last) {
      this.last = timestamp;
      this.lastString = String(timestamp);
    }
    return this.lastString;
  }
}
