// Starting and stopping peer servers (Redis, NATS) and free loopback ports for benchmarks.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The messages a forked child sends, in order: each call resolves with the next one (waiting for it). */
export function childMessages<T>(child: ChildProcess): () => Promise<T> {
  const messages: T[] = [];
  let wake: (() => void) | undefined;
  child.on('message', (m) => {
    messages.push(m as T);
    wake?.();
  });
  return async () => {
    while (messages.length === 0) await new Promise<void>((r) => (wake = r));
    return messages.shift()!;
  };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Installs a Debian package when its binary is missing (benchmarks run as root on a Debian machine). */
export function ensureDebianPackage(binary: string, pkg: string): string {
  for (const dir of ['/usr/bin', '/usr/sbin', '/usr/local/bin']) {
    if (existsSync(`${dir}/${binary}`)) return `${dir}/${binary}`;
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
  const res = spawnSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: 'ignore', env });
  if (res.status !== 0) throw new Error(`could not install ${pkg} with apt-get (exit ${res.status})`);
  for (const dir of ['/usr/bin', '/usr/sbin']) if (existsSync(`${dir}/${binary}`)) return `${dir}/${binary}`;
  throw new Error(`${pkg} installed but ${binary} not found`);
}

export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function startProcess(command: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  child.stderr!.on('data', () => {});
  return child;
}

/** Sends `signal`, then SIGKILL if the process has not exited after `graceMs`. */
export async function stopProcess(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 5000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * A peer server (redis-server, nats-server) from its Debian package, on a free loopback port, with its data in a
 * fresh temporary directory; `args` builds its command line. `stop` ends it and removes the directory.
 */
export async function startPeerServer(
  binary: string,
  pkg: string,
  args: (port: number, dir: string) => string[],
): Promise<{ port: number; stop: () => Promise<void> }> {
  const path = ensureDebianPackage(binary, pkg);
  const dir = mkdtempSync(join(tmpdir(), `sluice-bench-${binary}-`));
  const port = await freePort();
  const server = startProcess(path, args(port, dir));
  const stop = async () => {
    await stopProcess(server);
    rmSync(dir, { recursive: true, force: true });
  };
  await waitForPort(port).catch(async (err) => {
    await stop();
    throw err;
  });
  return { port, stop };
}
