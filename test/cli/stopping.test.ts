// How long-running commands end when they are not left to finish: `sluice produce` fed by a pipe that stays
// open stores each line soon after it is read, and Ctrl-C stores every line read before it and prints the
// summary; `sluice consume --group … | head -2` leaves its group as soon as head closes the pipe.
import { spawn } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { trackChild } from '../helpers/child-reaper.js';
import { waitFor } from '../helpers/wait-for.js';
import { binary, jsonLines, root, sluice, useLiveBroker } from './helpers.js';

// Several child processes per test; a loaded 2-core machine can slow each one several-fold.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

const server = useLiveBroker();

const valuesOf = async (topic: string) =>
  (await sluice(['consume', topic, '--from-beginning', '-e', ...server.flags])).stdout.split('\n').filter(Boolean);

/** `sluice produce <topic>` reading from a pipe the test writes to and keeps open. */
function producer(topic: string, ...args: string[]) {
  const child = trackChild(
    spawn(process.execPath, [binary, 'produce', topic, ...args, ...server.flags], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

describe('produce from a pipe that stays open', () => {
  it('stores each line soon after it is read, before the input ends', async () => {
    await sluice(['topics', 'create', 'open-pipe', ...server.flags]);
    const p = producer('open-pipe');
    p.child.stdin.write('l1\n');
    await waitFor(async () => (await valuesOf('open-pipe')).length === 1, { timeoutMs: 20_000, intervalMs: 100 });
    p.child.stdin.write('l2\nl3\n');
    await waitFor(async () => (await valuesOf('open-pipe')).length === 3, { timeoutMs: 20_000, intervalMs: 100 });
    p.child.stdin.write('l4\n');
    await waitFor(async () => (await valuesOf('open-pipe')).length === 4, { timeoutMs: 20_000, intervalMs: 100 });
    expect(await valuesOf('open-pipe')).toEqual(['l1', 'l2', 'l3', 'l4']);
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(130);
    expect(p.stderr()).toMatch(
      /^produced 4 records \(8 B\) to 'open-pipe' in .*\ninterrupted: stopped reading after line 4\n$/,
    );
  });

  it('with --batch-records 1, each line is sent alone, the last one too', async () => {
    await sluice(['topics', 'create', 'one-by-one', ...server.flags]);
    const p = producer('one-by-one', '--batch-records', '1');
    p.child.stdin.write('l1\nl2\nl3\n');
    await waitFor(async () => (await valuesOf('one-by-one')).length === 3, { timeoutMs: 20_000, intervalMs: 100 });
    p.child.stdin.write('l4\n');
    await waitFor(async () => (await valuesOf('one-by-one')).length === 4, { timeoutMs: 20_000, intervalMs: 100 });
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(130);
    expect(p.stderr()).toMatch(/^produced 4 records /);
  });

  it('on Ctrl-C in the middle of a large input, every line read is stored and counted, in order', async () => {
    await sluice(['topics', 'create', 'cut-short', ...server.flags]);
    const p = producer('cut-short');
    // More than the pipe holds: the producer is still reading when the signal comes.
    const lines = Array.from({ length: 300_000 }, (_, i) => `line-${i + 1}`);
    const writing = new Promise<void>((resolve) => {
      p.child.stdin.on('error', () => resolve());
      p.child.stdin.write(`${lines.join('\n')}\n`, () => resolve());
    });
    await waitFor(async () => (await valuesOf('cut-short')).length > 0, { timeoutMs: 20_000, intervalMs: 50 });
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(130);
    p.child.stdin.destroy();
    await writing;
    // The signal may come in the middle of a line: that unfinished line is not sent, and the summary says so.
    const summary =
      /^produced ([\d,]+) records? .*\ninterrupted: stopped reading after line ([\d,]+)( \(an unfinished line of [\d,]+ bytes? was not sent\))?\n$/.exec(
        p.stderr(),
      );
    expect(summary, p.stderr()).not.toBeNull();
    const produced = Number(summary![1]!.replaceAll(',', ''));
    expect(Number(summary![2]!.replaceAll(',', ''))).toBe(produced);
    expect(await valuesOf('cut-short')).toEqual(lines.slice(0, produced));
  });
});

describe('consume into a pipe that closes', () => {
  it('`consume --group … | head -2` leaves the group at once and exits 0 quietly', async () => {
    const seq = Array.from({ length: 100_000 }, (_, i) => String(i + 1)).join('\n');
    expect((await sluice(['produce', 'headed', '--create-topic', ...server.flags], { input: seq })).code).toBe(0);
    const sluiceCmd = [process.execPath, binary, 'consume', 'headed', '--group', 'headg2', '--from-beginning', '-e']
      .concat(server.flags)
      .map((a) => `'${a}'`)
      .join(' ');
    const shell = trackChild(
      spawn('bash', ['-c', `${sluiceCmd} | head -2; echo "status \${PIPESTATUS[0]}" >&2`], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    let stdout = '';
    let stderr = '';
    shell.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    shell.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise((resolve) => shell.on('close', resolve));
    expect(stdout).toBe('1\n2\n');
    expect(stderr).toBe('status 0\n');
    const group = async () =>
      jsonLines<{ state: string; members: unknown[] }>(
        (await sluice(['groups', 'describe', 'headg2', '--format', 'json', ...server.flags])).stdout,
      )[0];
    // The session timeout is 30 s: a member that did not leave would stay for that long.
    await waitFor(async () => (await group())?.state === 'Empty', { timeoutMs: 5000, intervalMs: 100 });
    expect((await group())?.members).toEqual([]);
    expect((await sluice(['groups', 'delete', 'headg2', ...server.flags])).code).toBe(0);
  });
});
