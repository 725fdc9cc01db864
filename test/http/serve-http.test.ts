// `sluice serve` runs the HTTP door in the broker's process: on a free port with --port 0 (logged),
// closed cleanly on SIGTERM, and absent with --no-http; --http-allowed-origin lets other origins' pages in.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serveSettings } from '../../cli/serve-config.js';
import { runSluice, startSluice } from '../helpers/sluice-process.js';
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
    expect(serveSettings({}).http?.port).toBe(9651);
    expect(serveSettings({ httpPort: 8080 }).http?.port).toBe(8080);
    expect(serveSettings({ port: 0 }).http?.port).toBe(0);
    expect(serveSettings({ port: 19650 }).http?.port).toBe(0);
    expect(serveSettings({ port: 9650 }).http?.port).toBe(9651);
    expect(serveSettings({ http: false }).http).toBeNull();
  });

  it('lets the origins of --http-allowed-origin and SLUICE_HTTP_ALLOWED_ORIGINS in, and no others', async () => {
    const fromOrigin = (port: unknown, origin: string) =>
      fetch(`http://127.0.0.1:${port}/v3/clusters`, { headers: { origin } }).then((r) => r.status);
    const flagged = await startSluice([
      ...['--data-dir', await tempDir('sluice-http-serve-'), '--port', '0'],
      ...['--http-allowed-origin', 'http://localhost:3000', '--http-allowed-origin', 'HTTPS://App.Example.com:443'],
    ]);
    const port = (await until(() => flagged.lines.find((l) => l.msg === 'HTTP listening'))).port;
    expect(await fromOrigin(port, 'http://localhost:3000')).toBe(200);
    expect(await fromOrigin(port, 'https://app.example.com')).toBe(200);
    expect(await fromOrigin(port, 'http://evil.example')).toBe(403);
    expect(await flagged.kill('SIGTERM')).toBe(0);

    const fromEnv = await startSluice(['--data-dir', await tempDir('sluice-http-serve-'), '--port', '0'], 20_000, {
      env: { SLUICE_HTTP_ALLOWED_ORIGINS: 'http://localhost:3000, http://localhost:4000' },
    });
    const envPort = (await until(() => fromEnv.lines.find((l) => l.msg === 'HTTP listening'))).port;
    expect(await fromOrigin(envPort, 'http://localhost:4000')).toBe(200);
    expect(await fromOrigin(envPort, 'http://localhost:5000')).toBe(403);
    expect(await fromEnv.kill('SIGTERM')).toBe(0);
  });

  it('refuses an --http-allowed-origin that is not an origin, naming the flag, and adds the flags to the file', async () => {
    const bad = await runSluice(['serve', '--http-allowed-origin', 'https://app.example.com/path']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      "option '--http-allowed-origin <origin>' argument 'https://app.example.com/path' is invalid",
    );
    expect(bad.stderr).toContain('http allowedOrigins entries are origins');

    const path = join(await tempDir(), 'sluice.json');
    await writeFile(path, JSON.stringify({ http: { allowedOrigins: ['https://ops.example.com'] } }));
    const merged = serveSettings({ config: path, httpAllowedOrigin: ['http://localhost:3000'] });
    expect(merged.http?.allowedOrigins).toEqual(['https://ops.example.com', 'http://localhost:3000']);
    expect(serveSettings({ httpAllowedOrigin: ['http://localhost:3000'] }).http?.allowedOrigins).toEqual([
      'http://localhost:3000',
    ]);
  });
});
