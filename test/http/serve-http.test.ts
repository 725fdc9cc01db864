// `sluice serve` runs the HTTP door in the broker's process: on a free port with --port 0 (logged),
// closed cleanly on SIGTERM, and absent with --no-http.
import { afterAll, describe, expect, it } from 'vitest';
import { serveSettings } from '../../cli/serve-config.js';
import { startSluice } from '../helpers/sluice-process.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';

afterAll(removeTempDirs);

async function until<T>(probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setImmediate(r));
  }
}

describe('sluice serve: the HTTP door', () => {
  it('serves HTTP on a logged free port beside a --port 0 broker and stops on SIGTERM', async () => {
    const proc = await startSluice(['--data-dir', await tempDir('sluice-http-serve-'), '--port', '0']);
    const line = await until(() => proc.lines.find((l) => l.msg === 'HTTP listening'));
    expect(line.port).toEqual(expect.any(Number));
    expect(line.port).not.toBe(9651);
    const health = await fetch(`http://127.0.0.1:${line.port}/readyz`);
    expect(await health.json()).toEqual({ status: 'ready' });
    expect(await proc.kill('SIGTERM')).toBe(0);
  });

  it('serves no HTTP with --no-http', async () => {
    const proc = await startSluice(['--data-dir', await tempDir('sluice-http-serve-'), '--port', '0', '--no-http']);
    expect(await proc.kill('SIGTERM')).toBe(0);
    expect(proc.lines.some((l) => l.msg === 'HTTP listening')).toBe(false);
  });

  it('takes the HTTP port from --http-port, else 9651 beside the default native port, else a free one', () => {
    expect(serveSettings({}).http).toEqual({});
    expect(serveSettings({ httpPort: 8080 }).http).toEqual({ port: 8080 });
    expect(serveSettings({ port: 0 }).http).toEqual({ port: 0 });
    expect(serveSettings({ port: 19650 }).http).toEqual({ port: 0 });
    expect(serveSettings({ port: 9650 }).http).toEqual({});
    expect(serveSettings({ http: false }).http).toBeNull();
  });
});
