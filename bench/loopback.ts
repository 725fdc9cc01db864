// The loopback limit: how fast one Node process can push bytes to another over 127.0.0.1 TCP.
// Run alone: `node --import tsx bench/loopback.ts [--seconds 3]`. Imported by the end-to-end bench
// so the limit is measured in the same run as the broker figures.
import { fork } from 'node:child_process';
import { createServer, connect, type AddressInfo } from 'node:net';

const CHUNK = 64 * 1024;

/** Child side: accept one connection, count bytes, report the total when the peer ends. */
function runSink(): void {
  const server = createServer((socket) => {
    let bytes = 0;
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    socket.on('end', () => {
      process.send!({ bytes });
      server.close();
    });
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
}

/** Pushes 64 KiB writes for `seconds` into a sink in another process; returns MiB/s received. */
export async function measureLoopback(seconds = 3): Promise<number> {
  const child = fork(new URL(import.meta.url), ['--sink'], { execArgv: ['--import', 'tsx'] });
  const messages: Array<{ port?: number; bytes?: number }> = [];
  let wake: (() => void) | undefined;
  child.on('message', (m) => {
    messages.push(m as { port?: number; bytes?: number });
    wake?.();
  });
  const next = async () => {
    while (messages.length === 0) await new Promise<void>((r) => (wake = r));
    return messages.shift()!;
  };
  const { port } = await next();
  const socket = connect(port!, '127.0.0.1');
  await new Promise<void>((r) => socket.once('connect', () => r()));
  const chunk = Buffer.alloc(CHUNK, 7);
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (performance.now() < deadline) {
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
      socket.end(resolve);
    };
    pump();
  });
  const { bytes } = await next();
  const elapsed = (performance.now() - started) / 1000;
  child.kill();
  return bytes! / elapsed / (1024 * 1024);
}

if (process.argv.includes('--sink')) {
  runSink();
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--seconds');
  const seconds = i > 0 ? Number(process.argv[i + 1]) : 3;
  const mib = await measureLoopback(seconds);
  process.stdout.write(`loopback TCP, 64 KiB writes, 2 processes: ${mib.toFixed(0)} MiB/s\n`);
}
