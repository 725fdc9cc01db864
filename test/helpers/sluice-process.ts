// A real `sluice serve` child process: the built binary (dist/bin/sluice.js, which test/setup/fresh-dist.ts
// rebuilds before the tests when a source is newer). Resolves once the broker logged {"msg":"listening"}.
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { trackChild } from './child-reaper.js';

const root = resolve(import.meta.dirname, '..', '..');
export const sluiceBinary = resolve(root, 'dist/bin/sluice.js');

/** argv (after `node`) that runs the sluice command line. */
export function sluiceArgv(): string[] {
  return [sluiceBinary];
}

export interface SluiceProcess {
  child: ChildProcess;
  port: number;
  /** Parsed JSON log lines so far. */
  lines: Array<Record<string, unknown>>;
  stderr(): string;
  /** Resolves with the exit code (or the signal name) once the process is gone. */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Runs `sluice <args>` to completion: exit code, stdout, stderr. */
export function runSluice(
  args: string[],
  timeoutMs = 15_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = trackChild(
      spawn(process.execPath, [...sluiceArgv(), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sluice ${args.join(' ')} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/**
 * `openFiles`: run under `ulimit -n <openFiles>` (through bash; the pid is the broker's, thanks to exec).
 * `netns`: run inside that network namespace (`ip netns exec`, which execs: the pid is the broker's too).
 */
export function startSluice(
  args: string[],
  timeoutMs = 20_000,
  options: { openFiles?: number; defaultKafkaPort?: boolean; env?: Record<string, string>; netns?: string } = {},
): Promise<SluiceProcess> {
  // Test brokers run side by side: unless a test is about the Kafka listener (it passes a Kafka flag, a
  // config file, or asks for the default port), it gets none, so no two of them race for port 9092.
  const aboutKafka =
    options.defaultKafkaPort || args.some((a) => a === '--kafka-port' || a === '--no-kafka' || a === '--config');
  const argv = [...sluiceArgv(), 'serve', ...args, ...(aboutKafka ? [] : ['--no-kafka'])];
  const quoted = [process.execPath, ...argv].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const env = options.env ? { ...process.env, ...options.env } : process.env;
  const child = trackChild(
    options.netns !== undefined
      ? spawn('ip', ['netns', 'exec', options.netns, process.execPath, ...argv], {
          cwd: root,
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        })
      : options.openFiles === undefined
        ? spawn(process.execPath, argv, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn('bash', ['-c', `ulimit -n ${options.openFiles} && exec ${quoted}`], {
            cwd: root,
            env,
            stdio: ['ignore', 'pipe', 'pipe'],
          }),
  );
  const lines: Array<Record<string, unknown>> = [];
  let err = '';
  let partial = '';
  const exited = new Promise<number | string>((r) => child.on('exit', (code, signal) => r(code ?? signal ?? -1)));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sluice serve did not log "listening" within ${timeoutMs} ms; stderr: ${err}`));
    }, timeoutMs);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      partial += d.toString();
      const parts = partial.split('\n');
      partial = parts.pop()!;
      for (const text of parts) {
        if (!text.trim()) continue;
        let line: Record<string, unknown>;
        try {
          line = JSON.parse(text) as Record<string, unknown>;
        } catch {
          continue;
        }
        lines.push(line);
        if (line.msg === 'listening' && typeof line.port === 'number') {
          clearTimeout(timer);
          resolvePromise({
            child,
            port: line.port,
            lines,
            stderr: () => err,
            exited,
            kill(signal = 'SIGTERM') {
              child.kill(signal);
              return exited;
            },
          });
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`sluice serve exited (${code}) before listening; stderr: ${err}`));
    });
  });
}
