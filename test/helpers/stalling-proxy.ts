// A loopback TCP proxy that can go silent the way a cut-off link or a middlebox that lost its state does:
// connections stay open, nothing arrives, nothing fails. stall(): every connection open now goes silent for
// good (nothing forwarded either way, none closed), and so does every new one until heal(); heal(): new
// connections are forwarded again, the silent ones stay silent (their state is gone).
import { type AddressInfo, createConnection, createServer, type Server, type Socket } from 'node:net';

export interface StallingProxy {
  readonly port: number;
  /** "http://127.0.0.1:<port>" */
  readonly endpoint: string;
  stall(): void;
  heal(): void;
  close(): Promise<void>;
}

/** `target`: where to forward, asked per connection (a connection that finds none is closed). */
export async function stallingProxy(target: () => { host: string; port: number } | undefined): Promise<StallingProxy> {
  const sockets = new Set<Socket>();
  const silent = new WeakSet<Socket>();
  let stalled = false;
  const forward = (from: Socket, to: Socket) =>
    from.on('data', (chunk: Buffer) => {
      if (!silent.has(from)) to.write(chunk);
    });
  const server: Server = createServer((client) => {
    const to = target();
    if (!to) {
      client.destroy();
      return;
    }
    const upstream = createConnection(to);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      if (stalled) silent.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    }
    forward(client, upstream);
    forward(upstream, client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    stall: () => {
      stalled = true;
      for (const socket of sockets) silent.add(socket);
    },
    heal: () => {
      stalled = false;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
