// The CLI's notices: the SDK's warnings become one sentence on stderr, at once the first time and then at
// most once per interval with a count, so a command that keeps retrying is neither silent nor a flood.
import { describe, expect, it } from 'vitest';
import { describeSdkEntry, Notices } from '../../cli/lib/notices.js';
import { logLevel } from '../../src/client/index.js';

function clocked() {
  let now = 1_000_000;
  const lines: string[] = [];
  const notices = new Notices(
    (line) => lines.push(line),
    15_000,
    () => now,
  );
  return { notices, lines, advance: (ms: number) => (now += ms) };
}

describe('Notices', () => {
  it('shows a kind once, then at most once per interval with how often it happened meanwhile', () => {
    const { notices, lines, advance } = clocked();
    notices.report('broker', 'waiting for the broker: connection refused (retrying)');
    for (let i = 0; i < 9; i++) {
      advance(1000);
      notices.report('broker', 'waiting for the broker: connection refused (retrying)');
    }
    expect(lines).toEqual(['waiting for the broker: connection refused (retrying)']);
    advance(6000);
    notices.report('broker', 'waiting for the broker: connection refused (retrying)');
    expect(lines[1]).toBe('waiting for the broker: connection refused (retrying) (10 times in the last 15 s)');
    notices.report('join', 'waiting to join group');
    expect(lines).toHaveLength(3);
  });

  it('turns SDK log entries into sentences saying what is awaited, and leaves out what commands report', () => {
    const { notices, lines } = clocked();
    const entry = (message: string, extra: Record<string, unknown> = {}) => ({
      namespace: 'Consumer',
      level: logLevel.WARN,
      label: 'WARN',
      log: { timestamp: '', message, ...extra },
    });
    notices.sdkEntry(
      entry('fetch failed, retrying', {
        broker: 0,
        error: 'cannot reach broker 127.0.0.1:9650: connection refused',
        retryInMs: 300,
      }),
    );
    notices.sdkEntry(entry('produce failed', { error: 'MESSAGE_TOO_LARGE' }));
    notices.sdkEntry(
      entry('cannot decode fetched records', { topic: 'orders', partition: 2, offset: 42, error: 'bad CRC' }),
    );
    expect(lines).toEqual([
      'waiting for the broker: cannot reach broker 127.0.0.1:9650: connection refused (retrying)',
      'cannot decode the records of orders-2 at offset 42: bad CRC; fetching them again',
    ]);
    expect(describeSdkEntry('something else', { error: 'why' })).toEqual({
      key: 'something else ',
      text: 'something else: why',
    });
  });
});
