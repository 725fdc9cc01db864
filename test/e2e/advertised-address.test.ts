// The address a broker advertises (Metadata, FindCoordinator) and what a client says when that address
// cannot be reached: `sluice serve --advertised-host/--advertised-port` (and the config-file keys), the
// default (the bound address, loopback for a wildcard bind, with a warning), and connection errors naming
// the advertised address that failed rather than the seed that worked.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Sluice } from '../../src/client/index.js';
import { FindCoordinatorApi, MetadataApi } from '../../src/protocol/index.js';
import { runSluice, startSluice, type SluiceProcess } from '../helpers/sluice-process.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { WireClient } from '../helpers/wire-client.js';

const running: SluiceProcess[] = [];

async function serve(args: string[]): Promise<SluiceProcess> {
  const proc = await startSluice(['--data-dir', await tempDir('sluice-advertised-'), '--port', '0', ...args]);
  running.push(proc);
  return proc;
}

/** What the broker tells clients to connect to, as Metadata and FindCoordinator say it. */
async function advertised(port: number): Promise<{ metadata: string; coordinator: string }> {
  const c = await WireClient.connect(port);
  try {
    const metadata = await c.request(MetadataApi, { topics: [], allowAutoTopicCreation: false });
    const coordinator = await c.request(FindCoordinatorApi, { key: 'g', keyType: 0 });
    return {
      metadata: metadata.brokers.map((b) => `${b.host}:${b.port}`).join(','),
      coordinator: `${coordinator.host}:${coordinator.port}`,
    };
  } finally {
    c.destroy();
  }
}

const warnings = (proc: SluiceProcess) => proc.lines.filter((l) => l.level === 40).map((l) => String(l.msg));

afterEach(async () => {
  for (const proc of running.splice(0)) if (proc.child.exitCode === null) await proc.kill('SIGTERM');
});
afterAll(removeTempDirs);

describe('the advertised address', () => {
  it('is the bound address by default, with no warning', async () => {
    const proc = await serve(['--host', '127.0.0.1']);
    expect(await advertised(proc.port)).toEqual({
      metadata: `127.0.0.1:${proc.port}`,
      coordinator: `127.0.0.1:${proc.port}`,
    });
    expect(warnings(proc)).toEqual([]);
  });

  it('is loopback on a wildcard bind, and the start warns that remote clients cannot use it', async () => {
    const proc = await serve(['--host', '0.0.0.0', '--insecure-allow-anonymous']);
    expect((await advertised(proc.port)).metadata).toBe(`127.0.0.1:${proc.port}`);
    expect(warnings(proc)).toEqual([
      'bound to every interface (0.0.0.0) but advertising 127.0.0.1: clients on other machines will be told to connect to their own loopback; set advertisedHost (sluice serve --advertised-host) to an address they can reach',
    ]);
  });

  it('is what --advertised-host and --advertised-port say (a port forward, a NAT)', async () => {
    const proc = await serve([
      '--host',
      '0.0.0.0',
      '--insecure-allow-anonymous',
      '--advertised-host',
      'broker.example',
      '--advertised-port',
      '19092',
    ]);
    expect(await advertised(proc.port)).toEqual({
      metadata: 'broker.example:19092',
      coordinator: 'broker.example:19092',
    });
    expect(proc.lines.find((l) => l.msg === 'listening')?.address).toBe('broker.example:19092');
    expect(warnings(proc)).toEqual([]);
  });

  it('is what the config file keys advertisedHost and advertisedPort say; flags win', async () => {
    const config = join(await tempDir('sluice-advertised-config-'), 'sluice.json');
    await writeFile(config, JSON.stringify({ advertisedHost: 'from-file.example', advertisedPort: 1234 }));
    const fromFile = await serve(['--config', config]);
    expect((await advertised(fromFile.port)).metadata).toBe('from-file.example:1234');
    const flagged = await serve(['--config', config, '--advertised-port', '4321']);
    expect((await advertised(flagged.port)).metadata).toBe('from-file.example:4321');
  });

  it('refuses a bad advertised port with one sentence', async () => {
    const bad = await runSluice(['serve', '--advertised-port', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/advertised port/);
  });
});

describe('an advertised address that cannot be reached', () => {
  // The seed 127.0.0.1:<port> answers; the broker advertises 127.0.0.2:<port>, where nothing listens.
  it('is the address `sluice produce` names, not the seed that worked', async () => {
    const proc = await serve(['--advertised-host', '127.0.0.2']);
    const input = join(await tempDir('sluice-advertised-input-'), 'lines.txt');
    await writeFile(input, 'one\n');
    const result = await runSluice(['produce', 'orders', '--file', input, '-b', `127.0.0.1:${proc.port}`], 30_000);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `cannot reach broker 127.0.0.2:${proc.port} (the address advertised by 127.0.0.1:${proc.port}): connection refused`,
    );
  });

  it('is the address the SDK names in the error', async () => {
    const proc = await serve(['--advertised-host', '127.0.0.2']);
    const sluice = new Sluice({
      clientId: 'advertised',
      brokers: [`127.0.0.1:${proc.port}`],
      retry: { retries: 1, initialRetryTime: 50 },
      logLevel: 0,
    });
    const producer = sluice.producer();
    try {
      await producer.connect();
      const error = await producer.send({ topic: 'orders', messages: [{ value: 'x' }] }).catch((e: unknown) => e);
      expect((error as Error).message).toBe(`cannot reach broker 127.0.0.2:${proc.port}: connection refused`);
    } finally {
      await producer.disconnect();
    }
  });
});
