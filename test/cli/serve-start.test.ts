// `sluice serve` refused by its environment (a port another process listens on, a data directory that is
// a file) says so in one line on stderr and exits 1: no log line with a stack trace, which is for bugs.
import { describe, expect, it, vi } from 'vitest';
import { runSluice } from '../helpers/sluice-process.js';
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

  it('with --data-dir naming a file: one line, no stack', async () => {
    const r = await runSluice(['serve', '--port', '0', '--data-dir', '/etc/passwd', '--no-kafka', '--no-http']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot start the broker: .*\/etc\/passwd.*\n$/);
    expect(r.stdout).not.toContain('"level":60');
    expect(r.stdout).not.toContain('stack');
  });
});
