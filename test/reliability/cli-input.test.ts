// Bad input to the command line: missing and unreadable files, invalid UTF-8 and binary on stdin or in
// a file, flags out of range. A user gets one sentence and a non-zero exit (2 for usage), never a stack
// trace, and bytes that are not text still arrive byte for byte.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopic, readAll, startBroker, type TestBroker } from '../helpers/broker.js';
import { runSluice, sluiceArgv } from '../helpers/sluice-process.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';

let t: TestBroker;
let dir: string;
beforeAll(async () => {
  t = await startBroker();
  const c = await t.client();
  await createTopic(c, 'one', 1);
  dir = await tempDir('sluice-cli-');
});
afterAll(async () => {
  await t.stop();
  await removeTempDirs();
});

/** Runs `sluice <args>` with `stdin` piped in. */
function sluiceWithStdin(
  args: string[],
  stdin: Buffer,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [...sluiceArgv(), ...args], {
      cwd: resolve(import.meta.dirname, '../..'),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => done({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const broker = () => ['-b', `127.0.0.1:${t.port}`];
const oneSentence = (stderr: string) => {
  expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
};

describe('sluice produce with bad input', () => {
  it('refuses missing files, directories and out-of-range flags with one sentence', async () => {
    const cases: Array<{ args: string[]; code: number; says: RegExp }> = [
      { args: ['produce', 'one', '--file', join(dir, 'missing.txt')], code: 1, says: /missing\.txt/ },
      { args: ['produce', 'one', '--file', dir], code: 1, says: /director/i },
      { args: ['produce', 'one', '--partition', '-1'], code: 2, says: /partition/ },
      { args: ['produce', 'one', '--partition', 'x'], code: 2, says: /partition/ },
      { args: ['produce', 'one', '--acks', '2'], code: 2, says: /acks/ },
      { args: ['produce', 'one', '--batch-records', '0'], code: 2, says: /batch/ },
      { args: ['produce', 'one', '--max-in-flight', '99999999999999999999'], code: 2, says: /in-flight|in flight/ },
    ];
    const results = await Promise.all(cases.map((c) => runSluice([...c.args, ...broker()])));
    results.forEach((r, i) => {
      const c = cases[i]!;
      expect({ args: c.args.join(' '), code: r.code }).toEqual({ args: c.args.join(' '), code: c.code });
      expect(r.stderr).toMatch(c.says);
      oneSentence(r.stderr);
    });
  });

  it('a partition the topic does not have is an error, not a hang', async () => {
    const r = await sluiceWithStdin(['produce', 'one', '--partition', '7', ...broker()], Buffer.from('x\n'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/partition/);
    oneSentence(r.stderr);
  });

  it('invalid UTF-8 and binary lines arrive byte for byte (from stdin and from a file)', async () => {
    const lines = [
      Buffer.from([0xff, 0xfe, 0x41]),
      Buffer.from([0xc3, 0x28]),
      Buffer.from([0, 1, 2, 0x80]),
      randomBytes(64).filter((b) => b !== 0x0a),
    ];
    const input = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
    const viaStdin = await sluiceWithStdin(['produce', 'bin-stdin', ...broker()], input);
    expect(viaStdin.stderr).toMatch(/produced 4 records/);
    expect(viaStdin.code).toBe(0);
    const file = join(dir, 'binary.txt');
    await writeFile(file, input);
    const viaFile = await runSluice(['produce', 'bin-file', '--file', file, ...broker()]);
    expect(viaFile.code).toBe(0);
    const c = await t.client();
    for (const topic of ['bin-stdin', 'bin-file']) {
      const stored = (await readAll(c, topic, 0)).map((r) => r.value!);
      expect(
        stored.map((b) => b.toString('hex')),
        topic,
      ).toEqual(lines.map((b) => Buffer.from(b).toString('hex')));
    }
  });
});

describe('sluice dump-log with bad input', () => {
  it('missing files, directories, empty and random files: a sentence and exit 1, never a crash', async () => {
    const empty = join(dir, '00000000000000000000.log');
    const random = join(dir, '00000000000000000100.log');
    await writeFile(empty, Buffer.alloc(0));
    await writeFile(random, randomBytes(5000));
    const [missing, directory, emptyRun, randomRun] = await Promise.all([
      runSluice(['dump-log', join(dir, 'nope.log')]),
      runSluice(['dump-log', dir]),
      runSluice(['dump-log', empty]),
      runSluice(['dump-log', random]),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no such file/);
    expect(directory.code).toBe(1);
    expect(directory.stderr).toMatch(/directory/);
    expect(emptyRun.code).toBe(0);
    expect(randomRun.code).toBe(1);
    expect(randomRun.stderr).toMatch(/corrupt at byte 0/);
    for (const r of [missing, directory, randomRun]) oneSentence(r.stderr);
  });
});
