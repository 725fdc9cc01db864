// Small things a user notices, each through the CLI as a child process: Ctrl-C exit codes, internal topics
// with `topics list -a`, null keys and values in text output, `consume --offset` past the end, what
// `perf consume` calls its latency, and `sluice serve` naming a client that speaks another protocol.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { startSluice } from '../helpers/sluice-process.js';
import { tempDir } from '../helpers/temp-dir.js';
import { elapse, waitFor } from '../helpers/wait-for.js';
import { binary, sluice, useLiveBroker } from './helpers.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const server = useLiveBroker();

const until = (check: () => boolean, message: string) => waitFor(check, { timeoutMs: 20_000, message });

function start(args: string[]) {
  const child = spawn(process.execPath, [binary, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('close', (code, signal) => r({ code, signal })),
  );
  return { child, out, closed };
}

describe('Ctrl-C', () => {
  it('ends `groups describe --watch` cleanly (exit 0): watching until Ctrl-C is its normal use', async () => {
    await sluice(['produce', 'watched', ...server.flags], { input: 'a\n' });
    await sluice(['consume', 'watched', '--group', 'watchers', '--from-beginning', '-e', ...server.flags]);
    const watch = start(['groups', 'describe', 'watchers', '--watch', '1', ...server.flags]);
    await until(() => watch.out.stdout.includes('total lag'), 'the first report');
    watch.child.kill('SIGINT');
    expect(await watch.closed).toEqual({ code: 0, signal: null });
  });

  it('interrupts other commands, as documented: exit 130 as a shell reports it (killed by SIGINT)', async () => {
    const produce = start(['produce', 'interrupted', ...server.flags]); // stdin stays open: it waits for lines
    produce.child.kill('SIGINT');
    expect(await produce.closed).toEqual({ code: null, signal: 'SIGINT' });
  });
});

describe('topics list -a', () => {
  it('shows the internal __consumer_offsets topic, which a plain list leaves out', async () => {
    await sluice(['produce', 'listed', ...server.flags], { input: 'x\n' });
    await sluice(['consume', 'listed', '--group', 'listers', '--from-beginning', '-e', ...server.flags]);
    const all = await sluice(['topics', 'list', '-a', ...server.flags]);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/\n__consumer_offsets\s+1\s+[1-9][\d,]*\n/);
    expect((await sluice(['topics', 'list', ...server.flags])).stdout).not.toContain('__consumer_offsets');
  });
});

describe('null keys and values in text output', () => {
  it('print as nothing by default, or as --null-literal', async () => {
    await sluice(['produce', 'nulls', '-K', ':', ...server.flags], { input: 'k:v\nno key\n' });
    const plain = await sluice(['consume', 'nulls', '--from-beginning', '-e', '--print-key', ...server.flags]);
    expect(plain.stdout.split('\n').filter(Boolean)).toEqual(['k\tv', '\tno key']);
    const literal = await sluice([
      'consume',
      'nulls',
      '--from-beginning',
      '-e',
      '--print-key',
      '--null-literal',
      'NULL',
      ...server.flags,
    ]);
    expect(literal.stdout.split('\n').filter(Boolean)).toEqual(['k\tv', 'NULL\tno key']);
  });
});

describe('consume --offset beyond the end', () => {
  it('says so instead of waiting silently', async () => {
    await sluice(['produce', 'short', ...server.flags], { input: 'a\nb\nc\n' });
    const r = await sluice(['consume', 'short', '--offset', '100', '-e', ...server.flags]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      '--offset 100 is beyond the end of partition 0 (ends at 3): nothing to read there\nconsumed 0 records\n',
    );
    const following = start(['consume', 'short', '--offset', '100', ...server.flags]);
    await until(() => following.out.stderr.includes('beyond the end'), 'the notice');
    expect(following.out.stderr).toContain('waiting there for new records');
    following.child.kill('SIGINT');
    expect((await following.closed).code).toBe(0);
  });
});

describe('perf consume', () => {
  it('calls its figure the records’ age at receipt, and says it is not end-to-end latency for older records', async () => {
    await sluice(['perf', 'produce', 'aged', '--records', '200', '--record-size', '10', ...server.flags]);
    await elapse(1200, "the note is for records written over a second before the consumer's start");
    const r = await sluice(['perf', 'consume', 'aged', '--records', '200', ...server.flags]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\nrecord age at receipt \(receipt time − record timestamp\), ms: avg /);
    expect(r.stderr).toMatch(/note: records written before this run began .* so their age is not end-to-end latency/);
  });
});

describe('sluice serve and clients of other protocols', () => {
  it('logs which protocol it saw on the native port and that this port is not for it', async () => {
    const port = await freePort();
    const proc = await startSluice(['--data-dir', await tempDir(), '--port', String(port)]);
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n'));
        let text = '';
        socket.on('data', (d: Buffer) => (text += d.toString()));
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });
      expect(reply).toMatch(/^HTTP\/1\.1 400 /);
      await until(() => proc.lines.some((l) => l.protocol === 'HTTP'), 'the log line');
      const line = proc.lines.find((l) => l.protocol === 'HTTP')!;
      expect(line.msg).toMatch(
        new RegExp(`an HTTP client connected to the native port \\(GET /metrics\\): port ${port} speaks only`),
      );
    } finally {
      await proc.kill('SIGTERM');
    }
  });
});
