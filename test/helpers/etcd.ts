// A real etcd (Debian's etcd-server, installed by .ci/run when missing) on free loopback ports with its own
// data directory, for the cluster tests: `const etcd = await startEtcd(); … await etcd.stop();`.
// stop() kills it (SIGKILL: an etcd restart test wants a crash) and restart() brings it back on the same
// ports and data, as an outage would end; signal('SIGSTOP') / signal('SIGCONT') freeze and thaw it (a
// pause: connections stay open, nothing answers).
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { trackChild } from './child-reaper.js';
import { stablePort } from './free-port.js';
import { tempDir } from './temp-dir.js';
import { waitFor } from './wait-for.js';

export interface EtcdProcess {
  /** "http://127.0.0.1:<port>" */
  readonly endpoint: string;
  /** "etcd://127.0.0.1:<port>", the form `sluice serve --cluster` takes. */
  readonly url: string;
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Sends `signal` to the running etcd (SIGSTOP / SIGCONT for a pause). */
  signal(signal: NodeJS.Signals): void;
}

async function healthy(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    return response.ok && ((await response.json()) as { health?: string }).health === 'true';
  } catch {
    return false;
  }
}

/** `host`: the local address etcd serves clients on (default 127.0.0.1). */
export async function startEtcd(options: { host?: string } = {}): Promise<EtcdProcess> {
  const host = options.host ?? '127.0.0.1';
  const dir = await tempDir('sluice-etcd-');
  // Below the ephemeral range: restart() must find them free again (free-port.ts).
  const clientPort = await stablePort(host);
  const peerPort = await stablePort();
  const endpoint = `http://${host}:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name=test',
    `--data-dir=${join(dir, 'data')}`,
    `--listen-client-urls=${endpoint}`,
    `--advertise-client-urls=${endpoint}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=test=${peer}`,
    '--log-level=error',
  ];
  let child: ChildProcess | undefined;
  const launch = async () => {
    const proc = trackChild(spawn('etcd', args, { stdio: ['ignore', 'ignore', 'pipe'] }));
    let stderr = '';
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const exited = new Promise<never>((_, reject) => {
      proc.once('error', (error) =>
        reject(new Error(`etcd did not start (is etcd-server installed?): ${error.message}`)),
      );
      proc.once('exit', (code) => reject(new Error(`etcd exited with ${code}: ${stderr}`)));
    });
    exited.catch(() => {});
    child = proc;
    await Promise.race([waitFor(() => healthy(endpoint), { timeoutMs: 30_000, intervalMs: 50 }), exited]);
  };
  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const gone = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await gone;
  };
  await launch();
  return {
    endpoint,
    url: `etcd://${host}:${clientPort}`,
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
    signal: (signal) => {
      if (!child || child.exitCode !== null) throw new Error('etcd is not running');
      child.kill(signal);
    },
  };
}
