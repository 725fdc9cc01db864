// Direct reads for sockets accepted by a net.Server (Node 20).
//
// net.connect() takes an `onread` option (the kernel reads into a buffer the caller chooses, and no
// chunk is allocated per read), but net.createServer() does not, and Node constructs accepted sockets
// itself. This gives an accepted socket the same wiring Node's Socket constructor gives `onread`: the
// socket's three private onread slots (found by their symbol descriptions) and `useUserBuffer` on its
// handle. It must run before the socket reads anything: the server is created with pauseOnConnect.
//
// If this Node does not have those internals (another version), it returns false and the caller reads
// through 'data' events as before. Once wired, Socket.pause()/resume() stop and restart the handle's
// reads (Node checks the same slot), so backpressure works unchanged; 'end', 'close' and errors are
// emitted as usual. No 'data' events are emitted.
import type { Socket } from 'node:net';

interface ReadHandle {
  useUserBuffer(buffer: Uint8Array): void;
}

/** The symbols net.Socket keeps the onread option under (lib/net.js: kBuffer, kBufferCb, kBufferGen). */
function onreadSlots(socket: Socket): { buffer: symbol; callback: symbol; generator: symbol } | null {
  const found = new Map<string, symbol>();
  for (const s of Object.getOwnPropertySymbols(socket)) if (s.description) found.set(s.description, s);
  const buffer = found.get('kBuffer');
  const callback = found.get('kBufferCb');
  const generator = found.get('kBufferGen');
  return buffer && callback && generator ? { buffer, callback, generator } : null;
}

/**
 * Makes `socket` read into `nextBuffer()` (asked again after every read) and report each read to
 * `onRead(bytesRead, buffer)`. Returns false, changing nothing, when this Node's internals differ.
 */
export function enableDirectReads(
  socket: Socket,
  nextBuffer: () => Buffer,
  onRead: (n: number, buf: Buffer) => void,
): boolean {
  const slots = onreadSlots(socket);
  const handle = (socket as unknown as { _handle?: Partial<ReadHandle> | null })._handle;
  if (!slots || !handle || typeof handle.useUserBuffer !== 'function') return false;
  const slotted = socket as unknown as Record<symbol, unknown>;
  if (slotted[slots.buffer] !== null || slotted[slots.callback] !== null || slotted[slots.generator] !== null)
    return false;
  const first = nextBuffer();
  slotted[slots.buffer] = first;
  slotted[slots.generator] = nextBuffer;
  slotted[slots.callback] = (n: number, buf: Uint8Array) => {
    onRead(n, buf as Buffer);
    return true; // false would stop reading; backpressure uses socket.pause() instead
  };
  handle.useUserBuffer(first);
  return true;
}
