// The consumer's warning about full collections during a replay of large records (collector-watch.ts).
// What a user checks: one warning naming the node flags when V8 runs full collections back to back while
// such a replay runs; nothing for a few collections, nothing when no such replay runs.
import { PerformanceObserver } from 'node:perf_hooks';
import { describe, expect, it, vi } from 'vitest';
import { isFullCollection } from '../../src/client/consumer/collector-watch.js';
import type { Logger } from '../../src/client/logger.js';
import { collectGarbage } from '../helpers/gc.js';
import { waitFor } from '../helpers/wait-for.js';

// A fresh module per test: the watch is process state, and warns once per process. The tests count their
// collections within a minute: a full collection of a test worker's heap takes up to a few hundred ms.
const STORM = { collections: 8, withinMs: 60_000 };

async function freshWatch() {
  vi.resetModules();
  return import('../../src/client/consumer/collector-watch.js');
}

function recordingLogger(): { logger: Logger; warnings: Array<{ message: string; extra?: object }> } {
  const warnings: Array<{ message: string; extra?: object }> = [];
  const logger: Logger = {
    warn: (message, extra) => void warnings.push({ message, extra }),
    error: () => {},
    info: () => {},
    debug: () => {},
    namespace: () => logger,
    setLogLevel: () => {},
  };
  return { logger, warnings };
}

/**
 * Runs `count` full collections and resolves once their 'gc' entries were delivered to observers (a test
 * observer of its own, called in the same delivery as the watch's).
 */
async function fullCollections(count: number): Promise<void> {
  let seen = 0;
  const counter = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (isFullCollection(entry)) seen++;
  });
  counter.observe({ entryTypes: ['gc'] });
  try {
    for (let i = 0; i < count; i++) collectGarbage();
    await waitFor(() => seen >= count, { timeoutMs: 5000 });
  } finally {
    counter.disconnect();
  }
}

describe('collector watch during replays of large records', () => {
  it('warns once, naming the node flags, when full collections come back to back', async () => {
    const { watchCollector } = await freshWatch();
    const { logger, warnings } = recordingLogger();
    const unwatch = watchCollector(logger, STORM);
    await fullCollections(STORM.collections + 1);
    await fullCollections(3); // more after the warning: none again
    unwatch();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain('full garbage collections while replaying large records');
    expect(JSON.stringify(warnings[0]!.extra)).toContain('--initial-old-space-size=128');
    expect(JSON.stringify(warnings[0]!.extra)).toContain('--heap-growing-percent=300');
  });

  it('says nothing for a few full collections', async () => {
    const { watchCollector } = await freshWatch();
    const { logger, warnings } = recordingLogger();
    const unwatch = watchCollector(logger, STORM);
    await fullCollections(STORM.collections - 3);
    unwatch();
    expect(warnings).toEqual([]);
  });

  it('says nothing once every replay that started it has ended', async () => {
    const { watchCollector } = await freshWatch();
    const { logger, warnings } = recordingLogger();
    const first = watchCollector(logger, STORM);
    const second = watchCollector(logger, STORM);
    first();
    first(); // a second call changes nothing: the other replay still runs
    second();
    await fullCollections(STORM.collections + 1);
    expect(warnings).toEqual([]);
  });
});
