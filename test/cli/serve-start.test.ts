// `sluice serve` refused by its environment (a port another process listens on, a data directory that is
// a file) says so in one line on stderr and exits 1: no log line with a stack trace, which is for bugs.
import { type AddressInfo, createServer } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { runSluice } from '../helpers/sluice-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { useLiveBroker } from './helpers.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const server = useLiveBroker();

describe('serve refused by its environment', () => {
  it('on a port in use: one line, no stack', async () => {
    const port = String(server.broker.port);
    const r = await runSluice(['serve', '--port', port, '--data-dir', '/nonexistent/never', '--no-kafka', '--no-http']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `error: cannot start the broker: 127.0.0.1:${port} is in use by another process (choose another port with --port, or 0 for a free one)\n`,
    );
    expect(r.stdout).toBe('');
  });

  it('on an HTTP port in use: the same line, before the broker starts', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = String((taken.address() as AddressInfo).port);
    const dataDir = await tempDir('sluice-serve-start-');
    try {
      const r = await runSluice(['serve', '--port', '0', '--http-port', port, '--data-dir', dataDir, '--no-kafka']);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `error: cannot start the broker: 127.0.0.1:${port} is in use by another process (choose another port with --http-port, or 0 for a free one)\n`,
      );
      // Refused before the broker started: it logged nothing (no `listening` line, no stop).
      expect(r.stdout).toBe('');
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('on an address this machine does not have: one line, and no listener error logged with a stack', async () => {
    // 192.0.2.0/24 is TEST-NET-1: never assigned, so binding to it fails (EADDRNOTAVAIL) in the broker's listen.
    const r = await runSluice([
      'serve',
      '--host',
      '192.0.2.1',
      '--insecure-allow-anonymous',
      '--port',
      '0',
      '--data-dir',
      await tempDir('sluice-serve-start-'),
      '--no-kafka',
      '--no-http',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: cannot start the broker: cannot listen on 192.0.2.1: address not available (no interface of this machine has that address: check --host)\n',
    );
    expect(r.stdout).not.toContain('listener error');
    expect(r.stdout).not.toContain('stack');
  });

  it('with --data-dir naming a file: one line, no stack', async () => {
    const r = await runSluice(['serve', '--port', '0', '--data-dir', '/etc/passwd', '--no-kafka', '--no-http']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot start the broker: .*\/etc\/passwd.*\n$/);
    expect(r.stdout).not.toContain('"level":60');
    expect(r.stdout).not.toContain('stack');
  });
});
