// A command waiting on something it cannot get says so on stderr instead of hanging silently: here a
// following consumer whose broker goes away.
import { spawn } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import { startBroker } from '../helpers/broker.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';
import { binary, sluice } from './helpers.js';

vi.setConfig({ testTimeout: 60_000 });

describe('a consumer whose broker stops', () => {
  it('says at once that it is waiting for the broker and why, and still stops cleanly on Ctrl-C', async () => {
    const broker = await startBroker();
    const flags = ['-b', `127.0.0.1:${broker.port}`];
    try {
      await sluice(['topics', 'create', 'gone', ...flags]);
      await sluice(['produce', 'gone', ...flags], { input: 'before\n' });
      const child = spawn(process.execPath, [binary, 'consume', 'gone', '--from-beginning', ...flags], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
      await waitFor(() => stdout.includes('before'), { timeoutMs: 20_000, message: 'the first record' });
      await broker.stop();
      await waitFor(() => stderr.includes('waiting for the broker'), {
        timeoutMs: 20_000,
        message: 'a notice on stderr',
      });
      expect(stderr).toMatch(
        new RegExp(`warning: waiting for the broker: .*127\\.0\\.0\\.1:${broker.port}.*\\(retrying\\)\\n`),
      );
      expect(stderr.match(/waiting for the broker/g)).toHaveLength(1);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      await broker.stop();
      await removeTempDirs();
    }
  });
});
