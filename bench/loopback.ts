// The loopback limit: how fast one Node process can push bytes to another over 127.0.0.1 TCP.
// Run alone: `node --import tsx bench/loopback.ts [--seconds 3]`. Imported by the end-to-end bench
// so the limit is measured in the same run as the broker figures. `measureStreamFloor` is the same
// limit read the way the SDK reads (into one reused buffer), plaintext or TLS, with each side's CPU.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { type ConnectionOptions, connect as connectTls, createServer as createTlsServer } from 'node:tls';

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

/** Writes `chunk` again and again as fast as the socket takes it until `deadline` (performance.now()), then ends it. */
function writeUntil(socket: Socket, chunk: Buffer, deadline: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const pump = () => {
      while (performance.now() < deadline) {
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
      socket.end(resolve);
    };
    pump();
  });
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
  const started = performance.now();
  await writeUntil(socket, Buffer.alloc(CHUNK, 7), started + seconds * 1000);
  const { bytes } = await next();
  const elapsed = (performance.now() - started) / 1000;
  child.kill();
  return bytes! / elapsed / (1024 * 1024);
}

/** What one byte stream costs on this machine: MiB/s and CPU ms per MiB on each side. */
export interface StreamFloor {
  mibPerSecond: number;
  senderMsPerMib: number;
  receiverMsPerMib: number;
}

/** TLS for the floor: the server's certificate and key and the CA the client trusts (PEM file paths). */
export interface FloorTls {
  cert: string;
  key: string;
  ca: string;
  ciphers?: string;
}

const FLOOR_WRITE = 256 * 1024;

/**
 * Child side of the floor: connect (TLS when `tlsJson` names the CA), read with `onread` into one reused
 * buffer as the SDK reads into its frames, and report the bytes and this process's CPU when the peer ends.
 */
function runFloorReader(port: number, tlsJson: string | undefined): void {
  let bytes = 0;
  let cpu0 = process.cpuUsage();
  const onread = {
    buffer: Buffer.allocUnsafe(FLOOR_WRITE),
    callback: (n: number) => {
      if (bytes === 0) cpu0 = process.cpuUsage();
      bytes += n;
      return true;
    },
  };
  const tls = tlsJson ? (JSON.parse(tlsJson) as FloorTls) : undefined;
  const socket: Socket = tls
    ? connectTls({
        port,
        host: '127.0.0.1',
        ca: readFileSync(tls.ca),
        ...(tls.ciphers ? { ciphers: tls.ciphers } : {}),
        onread,
      } as ConnectionOptions)
    : connect({ port, host: '127.0.0.1', onread });
  socket.on('end', () => {
    const cpu = process.cpuUsage(cpu0);
    process.send!({ bytes, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
    socket.end();
  });
}

/**
 * One stream of 256 KiB writes from this process to a reader in another, for `seconds`, plaintext or TLS:
 * the least CPU per MiB any sender and receiver pay on this machine, and the rate one such pair reaches.
 */
export async function measureStreamFloor(seconds: number, tls?: FloorTls): Promise<StreamFloor> {
  let accepted!: (socket: Socket) => void;
  const socketReady = new Promise<Socket>((resolve) => (accepted = resolve));
  const server: Server = tls
    ? createTlsServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, accepted)
    : createServer(accepted);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const args = ['--floor-reader', String(port), ...(tls ? [JSON.stringify(tls)] : [])];
  const child = fork(new URL(import.meta.url), args, { execArgv: ['--import', 'tsx'] });
  const report = new Promise<{ bytes: number; cpuSeconds: number }>((resolve) =>
    child.once('message', resolve as never),
  );
  const socket = await socketReady;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await writeUntil(socket, Buffer.alloc(FLOOR_WRITE, 7), started + seconds * 1000);
  const { bytes, cpuSeconds } = await report;
  const elapsed = (performance.now() - started) / 1000;
  const senderCpu = process.cpuUsage(cpu0);
  child.kill();
  server.close();
  const mib = bytes / 2 ** 20;
  return {
    mibPerSecond: mib / elapsed,
    senderMsPerMib: (senderCpu.user + senderCpu.system) / 1e3 / mib,
    receiverMsPerMib: (cpuSeconds * 1000) / mib,
  };
}

if (process.argv.includes('--sink')) {
  runSink();
} else if (process.argv.includes('--floor-reader')) {
  const at = process.argv.indexOf('--floor-reader');
  runFloorReader(Number(process.argv[at + 1]), process.argv[at + 2]);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--seconds');
  const seconds = i > 0 ? Number(process.argv[i + 1]) : 3;
  const mib = await measureLoopback(seconds);
  process.stdout.write(`loopback TCP, 64 KiB writes, 2 processes: ${mib.toFixed(0)} MiB/s\n`);
}
