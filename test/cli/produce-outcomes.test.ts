// `sluice produce` when lines or sends fail: long lines are read in linear time and refused with their line
// number before anything the broker would refuse is sent; every record's outcome is counted exactly;
// --on-error stop|skip decides whether the rest is sent; a topic created for a produce that stored nothing
// is removed again unless --create-topic asked for it.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { sluice, useLiveBroker } from './helpers.js';

vi.setConfig({ testTimeout: 90_000, hookTimeout: 60_000 });

const server = useLiveBroker();

/** Printable random text: gzip cannot shrink it much. */
const noise = (bytes: number) => randomBytes(bytes).toString('base64').slice(0, bytes);

async function valuesOf(topic: string, flags: string[] = server.flags): Promise<string[]> {
  const r = await sluice(['consume', topic, '--from-beginning', '-e', ...flags]);
  return r.stdout.split('\n').filter(Boolean);
}

describe('a line the topic cannot take', () => {
  it('stops at it by default: the lines before are produced, it and the rest are not, and the summary says so', async () => {
    await sluice(['topics', 'create', 'mid', '--config', 'max.message.bytes=300', ...server.flags]);
    const r = await sluice(['produce', 'mid', ...server.flags], { input: `first\n${'x'.repeat(2000)}\nlast\n` });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^produced 1 record \(\d+ B\) to 'mid' in /);
    expect(r.stderr).toMatch(
      /error: line 2 is longer than 300 bytes \(the topic's max\.message\.bytes; at least 2,000 bytes\): it was not sent, nor anything after it \(--on-error skip sends the other lines\)\n$/,
    );
    expect(await valuesOf('mid')).toEqual(['first']);
  });

  it('--on-error skip sends the other lines and counts the skipped one', async () => {
    await sluice(['topics', 'create', 'skipped', '--config', 'max.message.bytes=300', ...server.flags]);
    const input = `first\n${'x'.repeat(2000)}\nsecond\n${'y'.repeat(250)}\nlast\n`;
    const r = await sluice(['produce', 'skipped', '--on-error', 'skip', ...server.flags], { input });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^produced 3 records /);
    // Line 4 fits --max-line-bytes (300) but not as a record in a batch: refused before sending too.
    expect(r.stderr).toMatch(/error: 2 lines not sent: line 2 is longer than 300 bytes .*\(and 1 more\)\n$/);
    expect(await valuesOf('skipped')).toEqual(['first', 'second', 'last']);
  });

  it('a 200 MiB line is refused by its line number after reading past the limit, not after buffering it all', async () => {
    await sluice(['topics', 'create', 'huge', ...server.flags]);
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    async function* input() {
      yield Buffer.from('small\n');
      for (let i = 0; i < 200; i++) yield chunk;
      yield Buffer.from('\nafter\n');
    }
    const r = await sluice(['produce', 'huge', ...server.flags], { input: input(), timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: line 2 is longer than 1,048,588 bytes \(the topic's max\.message\.bytes; /);
    expect(await valuesOf('huge')).toEqual(['small']);
  });

  it('--max-line-bytes sets the limit, with --on-error skip reading on past the long line', async () => {
    await sluice(['topics', 'create', 'limited', ...server.flags]);
    const r = await sluice(['produce', 'limited', '--max-line-bytes', '10', '--on-error', 'skip', ...server.flags], {
      input: 'short\nthis one is too long\nfine\n',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: 1 line not sent: line 2 is longer than 10 bytes \(--max-line-bytes; /);
    expect(await valuesOf('limited')).toEqual(['short', 'fine']);
  });
});

describe('sends the broker refuses', () => {
  it('counts each record exactly: acknowledged, not acknowledged, read but not sent', async () => {
    // Compressed records are not checked against max.message.bytes before sending (compression may shrink
    // them): incompressible ones reach the broker, which refuses their batch.
    await sluice(['topics', 'create', 'refusing', '--config', 'max.message.bytes=300', ...server.flags]);
    const input = `a\n${noise(250)}\nb\n`;
    const stop = await sluice(['produce', 'refusing', '-z', 'gzip', ...server.flags], { input });
    expect(stop.code).toBe(1);
    expect(stop.stderr).toMatch(/^produced 1 record /);
    expect(stop.stderr).toMatch(
      /error: 1 record not acknowledged \(first: line 2: .*MESSAGE_TOO_LARGE.*\); 1 more record read but not sent, and reading stopped/,
    );
    expect(await valuesOf('refusing')).toEqual(['a']);

    const skip = await sluice(['produce', 'refusing', '-z', 'gzip', '--on-error', 'skip', ...server.flags], { input });
    expect(skip.code).toBe(1);
    expect(skip.stderr).toMatch(/^produced 2 records /);
    expect(skip.stderr).toMatch(/error: 1 record not acknowledged \(first: line 2: /);
    expect(skip.stderr).not.toMatch(/read but not sent/);
    expect(await valuesOf('refusing')).toEqual(['a', 'a', 'b']);
  });
});

describe('topics created on first use', () => {
  let tiny: TestBroker;
  let flags: string[];
  beforeAll(async () => {
    tiny = await startBroker({ topicDefaults: { maxMessageBytes: 300 } });
    flags = ['-b', `127.0.0.1:${tiny.port}`];
  });
  afterAll(() => tiny.stop());

  const topicsOf = async () => (await sluice(['topics', 'list', '--format', 'json', ...flags])).stdout;

  it('are not created when nothing is sendable, and removed again when nothing could be stored', async () => {
    const refused = await sluice(['produce', 'never', ...flags], { input: `${'x'.repeat(1000)}\n` });
    expect(refused.code).toBe(1);
    expect(refused.stderr).not.toMatch(/created topic/);

    const failed = await sluice(['produce', 'ghost', '-z', 'gzip', ...flags], { input: `${noise(280)}\n` });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/created topic 'ghost' with 1 partition/);
    expect(failed.stderr).toMatch(
      /removed topic 'ghost' again: it was created for this produce and nothing was stored/,
    );
    expect(failed.stderr).toMatch(/error: 1 record not acknowledged/);
    const listed = await topicsOf();
    expect(listed).not.toContain('"never"');
    expect(listed).not.toContain('"ghost"');
  });

  it('--create-topic keeps the topic even when nothing was stored', async () => {
    const kept = await sluice(['produce', 'asked', '-z', 'gzip', '--create-topic', ...flags], {
      input: `${noise(280)}\n`,
    });
    expect(kept.code).toBe(1);
    expect(kept.stderr).not.toMatch(/removed topic/);
    expect(await topicsOf()).toContain('"asked"');
  });

  it('a topic that gets records stays', async () => {
    const ok = await sluice(['produce', 'fresh', ...flags], { input: 'one\ntwo\n' });
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/created topic 'fresh' with 1 partition\nproduced 2 records /);
    expect(await topicsOf()).toContain('"fresh"');
  });
});

describe('a broker that does not create topics', () => {
  it('names the topic and both ways out; --create-topic creates it', async () => {
    const strict = await startBroker({ autoCreateTopics: false });
    try {
      const flags = ['-b', `127.0.0.1:${strict.port}`];
      const r = await sluice(['produce', 'nope', ...flags], { input: 'x\n' });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        "error: unknown topic 'nope': this broker does not create topics on first use (create it with `sluice topics create nope`, or pass --create-topic)\n",
      );
      const created = await sluice(['produce', 'nope', '--create-topic', ...flags], { input: 'x\n' });
      expect(created.code).toBe(0);
      expect(await valuesOf('nope', flags)).toEqual(['x']);
    } finally {
      await strict.stop();
    }
  });
});
