// Messages said once: a topic name too long is not printed whole, twice. (An unknown share group named once:
// queues.test.ts; "1 line had no ':' and was sent": streams.test.ts.)
import { describe, expect, it, vi } from 'vitest';
import { sluice, useLiveBroker } from './helpers.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const server = useLiveBroker();

describe('wording', () => {
  it('a topic name too long is shown shortened, once', async () => {
    const name = 'a'.repeat(250);
    const r = await sluice(['topics', 'create', name, ...server.flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `error: invalid topic name '${'a'.repeat(40)}…' (250 characters): a topic name is 1..249 characters of [a-zA-Z0-9._-] (nor "." or "..")\n`,
    );
  });
});
