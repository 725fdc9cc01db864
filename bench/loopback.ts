// The loopback limit: how fast one Node process can push bytes to another over 127.0.0.1 TCP.
// Run alone: `node --import tsx bench/loopback.ts [--seconds 3]`. Imported by the end-to-end bench
// so the limit is measured in the same run as the broker figures. `measureStreamFloor` is the same
// limit read the way the SDK reads (into one reused buffer), plaintext or TLS, with each side's CPU.
// `measureFileFloor` is the least a Node broker does to send a log's bytes (read from the page cache into
// reused buffers, written to the socket), to that reader or to one that takes them as a consumer must give
// each record memory of its own (FloorReader): what any Node broker and consumer reach here without zero-copy.
import { fork } from 'node:child_process';
import { childMessages } from './lib/processes.js';
import { closeSync, openSync, read, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  const next = childMessages<{ port?: number; bytes?: number }>(child);
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
 * Child side of the floor: connect (TLS when `tlsJson` names the CA), read with `onread` as the SDK reads into
 * its frames, taking the bytes as `reader` says (FloorReader), and report the bytes and this process's CPU when
 * the peer ends.
 */
function runFloorReader(port: number, tlsJson: string | undefined, reader: FloorReader = { kind: 'reused' }): void {
  let bytes = 0;
  let cpu0 = process.cpuUsage();
  const reused = Buffer.allocUnsafe(FLOOR_WRITE);
  // 'copied': every recordBytes of the stream are also copied into a Buffer of their own, as a consumer that
  // gives each record a value of its own; the copy is dropped at once, as a handler that is done with it.
  let record: Buffer | null = null;
  let filled = 0;
  const copyOut = (n: number, recordBytes: number) => {
    for (let at = 0; at < n; ) {
      record ??= Buffer.allocUnsafe(recordBytes);
      const taken = reused.copy(record, filled, at, n);
      at += taken;
      filled += taken;
      if (filled === recordBytes) {
        record = null;
        filled = 0;
      }
    }
  };
  // 'direct': the kernel reads every recordBytes of the stream straight into a Buffer of their own (each read
  // asks for at most the rest of the current record), as a consumer that decodes its responses as they stream
  // in would; dropped when full, as above.
  const direct = (recordBytes: number) => {
    if (record === null) {
      record = Buffer.allocUnsafe(recordBytes);
      filled = 0;
    }
    return record.subarray(filled);
  };
  const directRead = (n: number, recordBytes: number) => {
    filled += n;
    if (filled === recordBytes) record = null;
  };
  const onread = {
    // 'fresh': every read goes into a new buffer (dropped after), as responses whose records are views of them.
    buffer:
      reader.kind === 'fresh'
        ? () => Buffer.allocUnsafe(FILE_FLOOR_CHUNK)
        : reader.kind === 'direct'
          ? () => direct(reader.recordBytes)
          : reused,
    callback: (n: number) => {
      if (bytes === 0) cpu0 = process.cpuUsage();
      bytes += n;
      if (reader.kind === 'copied') copyOut(n, reader.recordBytes);
      else if (reader.kind === 'direct') directRead(n, reader.recordBytes);
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
 * One connection from this process to runFloorReader in another (its arguments after the port: the TLS
 * JSON or '', then the FloorReader JSON), fed by `send` until `deadline` (performance.now(); `send` ends the
 * socket): the rate the reader received and each side's CPU per MiB.
 */
async function measureFloorPair(
  seconds: number,
  readerArgs: string[],
  send: (socket: Socket, deadline: number) => Promise<void>,
  tls?: FloorTls,
): Promise<StreamFloor> {
  let accepted!: (socket: Socket) => void;
  const socketReady = new Promise<Socket>((resolve) => (accepted = resolve));
  const server: Server = tls
    ? createTlsServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }, accepted)
    : createServer(accepted);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const child = fork(new URL(import.meta.url), ['--floor-reader', String(port), ...readerArgs], {
    execArgv: ['--import', 'tsx'],
  });
  const report = new Promise<{ bytes: number; cpuSeconds: number }>((resolve) =>
    child.once('message', resolve as never),
  );
  const socket = await socketReady;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await send(socket, started + seconds * 1000);
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

/**
 * One stream of 256 KiB writes from this process to a reader in another, for `seconds`, plaintext or TLS:
 * the least CPU per MiB any sender and receiver pay on this machine, and the rate one such pair reaches.
 */
export function measureStreamFloor(seconds: number, tls?: FloorTls): Promise<StreamFloor> {
  const chunk = Buffer.alloc(FLOOR_WRITE, 7);
  return measureFloorPair(
    seconds,
    tls ? [JSON.stringify(tls)] : [],
    (socket, deadline) => writeUntil(socket, chunk, deadline),
    tls,
  );
}

/**
 * How the file floor's reader takes the bytes: into one reused buffer ('reused', the least any reader pays),
 * into a new buffer per read ('fresh', a consumer whose records are views of their responses), or into one
 * reused buffer and then each `recordBytes` into a Buffer of its own ('copied', a consumer that copies
 * records out), or each `recordBytes` read by the kernel straight into a Buffer of its own ('direct', a consumer
 * that decodes its responses as they stream in).
 */
export type FloorReader =
  | { kind: 'reused' }
  | { kind: 'fresh' }
  | { kind: 'copied'; recordBytes: number }
  | { kind: 'direct'; recordBytes: number };

export function describeFloorReader(reader: FloorReader): string {
  if (reader.kind === 'reused') return 'read into one reused buffer';
  if (reader.kind === 'fresh') return 'each 2 MiB read into a new buffer';
  if (reader.kind === 'direct') return `each ${reader.recordBytes / 1024} KiB read straight into a Buffer of its own`;
  return `each ${reader.recordBytes / 1024} KiB copied into a Buffer of its own`;
}

/** The file the file floor reads: written once, so its pages are in the page cache like a log just produced. */
const FILE_FLOOR_BYTES = 512 * 1024 * 1024;
/** Bytes per read and per socket write (a replay stream's frames are 2.5 MiB by default). */
const FILE_FLOOR_CHUNK = 2 * 1024 * 1024;

function readAt(fd: number, buffer: Buffer, position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    read(fd, buffer, 0, buffer.length, position, (error, bytesRead) => (error ? reject(error) : resolve(bytesRead))),
  );
}

function writeChunk(socket: Socket, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => socket.write(chunk, (error) => (error ? reject(error) : resolve())));
}

/**
 * A file's bytes sent to a reader in another process for `seconds`, the way a Node broker without zero-copy
 * must: each 2 MiB read from the page cache (libuv's pool, as the broker's reads) into one of two reused
 * buffers, written to the socket, the next read running while the last write is in flight. The reader takes
 * the bytes as `reader` says. MiB/s and each side's CPU per MiB (the sender's pool threads too).
 */
export async function measureFileFloor(
  seconds: number,
  reader: FloorReader = { kind: 'reused' },
): Promise<StreamFloor> {
  const path = join(tmpdir(), `sluice-file-floor-${process.pid}`);
  const fd = openSync(path, 'w+');
  try {
    const block = Buffer.alloc(8 * 1024 * 1024, 7);
    for (let at = 0; at < FILE_FLOOR_BYTES; at += block.length) writeSync(fd, block, 0, block.length, at);
    const buffers = [Buffer.allocUnsafeSlow(FILE_FLOOR_CHUNK), Buffer.allocUnsafeSlow(FILE_FLOOR_CHUNK)];
    return await measureFloorPair(seconds, ['', JSON.stringify(reader)], async (socket, deadline) => {
      let position = 0;
      let writing: Promise<void> = Promise.resolve();
      for (let turn = 0; performance.now() < deadline; turn++) {
        const buffer = buffers[turn % 2]!;
        const length = await readAt(fd, buffer, position);
        position = (position + length) % FILE_FLOOR_BYTES;
        // The other buffer's write must be done before it is read into again; this one's goes out meanwhile.
        await writing;
        writing = writeChunk(socket, buffer.subarray(0, length));
      }
      await writing;
      await new Promise<void>((resolve) => socket.end(resolve));
    });
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
}

if (process.argv.includes('--sink')) {
  runSink();
} else if (process.argv.includes('--floor-reader')) {
  const at = process.argv.indexOf('--floor-reader');
  const reader = process.argv[at + 3] ? (JSON.parse(process.argv[at + 3]!) as FloorReader) : undefined;
  runFloorReader(Number(process.argv[at + 1]), process.argv[at + 2] || undefined, reader);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--seconds');
  const seconds = i > 0 ? Number(process.argv[i + 1]) : 3;
  const mib = await measureLoopback(seconds);
  process.stdout.write(`loopback TCP, 64 KiB writes, 2 processes: ${mib.toFixed(0)} MiB/s\n`);
  if (process.argv.includes('--file-floor')) {
    const readers: FloorReader[] = [
      { kind: 'reused' },
      { kind: 'fresh' },
      { kind: 'copied', recordBytes: 64 * 1024 },
      { kind: 'copied', recordBytes: 1024 * 1024 },
      { kind: 'direct', recordBytes: 64 * 1024 },
      { kind: 'direct', recordBytes: 1024 * 1024 },
    ];
    for (const reader of readers) {
      const floor = await measureFileFloor(seconds, reader);
      process.stdout.write(
        `file → socket → reader (${describeFloorReader(reader)}): ${floor.mibPerSecond.toFixed(0)} MiB/s ` +
          `(${((floor.mibPerSecond / mib) * 100).toFixed(0)} % of loopback); sender ${floor.senderMsPerMib.toFixed(2)}, ` +
          `reader ${floor.receiverMsPerMib.toFixed(2)} CPU ms/MiB\n`,
      );
    }
  }
}
