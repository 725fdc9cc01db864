// Runs the built `sluice` binary (dist/bin/sluice.js, rebuilt before the tests when stale: see
// test/setup/fresh-dist.ts) as a child process: stdin from a string, Buffer or an async generator of chunks
// (through a real pipe), stdout/stderr captured, exit code returned.
// Asynchronous on purpose: the in-process broker the child talks to lives on this event loop.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startBroker, type TestBroker } from '../helpers/broker.js';
import { sluiceBinary } from '../helpers/sluice-process.js';
import { removeTempDirs } from '../helpers/temp-dir.js';

export const root = resolve(import.meta.dirname, '..', '..');
export const binary = sluiceBinary;

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stdoutBytes: Buffer;
  stderr: string;
}

export interface RunOptions {
  input?: string | Buffer | AsyncIterable<string | Buffer>;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Called with each stdout chunk as it arrives. */
  onStdout?: (chunk: Buffer) => void;
}

export function sluice(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NO_COLOR: undefined,
      FORCE_COLOR: undefined,
      SLUICE_BROKERS: undefined,
      ...options.env,
    };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    const child = spawn(process.execPath, [binary, ...args], { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => {
      out.push(d);
      options.onStdout?.(d);
    });
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.stdin.on('error', () => {}); // the command may exit before reading everything
    const timeoutMs = options.timeoutMs ?? 20_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `sluice ${args.join(' ')} did not exit within ${timeoutMs} ms; stderr: ${Buffer.concat(err).toString()}`,
        ),
      );
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      resolvePromise({
        code,
        signal,
        stdout: stdoutBytes.toString('utf8'),
        stdoutBytes,
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    void feed(child.stdin, options.input);
  });
}

async function feed(stdin: NodeJS.WritableStream, input: RunOptions['input']): Promise<void> {
  if (input === undefined) return void stdin.end();
  if (typeof input === 'string' || Buffer.isBuffer(input)) return void stdin.end(input);
  for await (const chunk of input) {
    if (!stdin.write(chunk)) await new Promise((r) => stdin.once('drain', r));
  }
  stdin.end();
}

/** Parses JSON-lines output. */
export function jsonLines<T = Record<string, unknown>>(text: string): T[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

/** Runs the command under a pseudo-terminal (util-linux `script`), so stdout and stderr are a TTY. */
export function sluiceOnTty(args: string[], options: RunOptions = {}): Promise<RunResult> {
  const quoted = [process.execPath, binary, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolvePromise, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm', NO_COLOR: undefined, ...options.env };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    const child = spawn('script', ['-qec', quoted, '/dev/null'], { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => out.push(d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sluice ${args.join(' ')} (tty) did not exit in time`));
    }, options.timeoutMs ?? 20_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const bytes = Buffer.concat(out);
      resolvePromise({ code, signal, stdout: bytes.toString('utf8'), stdoutBytes: bytes, stderr: '' });
    });
    child.stdin.end();
  });
}

export interface LiveBroker {
  broker: TestBroker;
  /** `['-b', '127.0.0.1:PORT']`, to spread into a command line. */
  flags: string[];
}

/**
 * A live in-process broker for one test file: started before its tests, stopped with the temp dirs after
 * them. `setup` runs once the broker is up.
 */
export function useLiveBroker(setup?: (flags: string[]) => Promise<void>): LiveBroker {
  const live = {} as LiveBroker;
  beforeAll(async () => {
    live.broker = await startBroker();
    live.flags = ['-b', `127.0.0.1:${live.broker.port}`];
    await setup?.(live.flags);
  });
  afterAll(async () => {
    await live.broker?.stop();
    await removeTempDirs();
  });
  return live;
}
