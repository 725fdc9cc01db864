// A port free at the time of asking (for child processes that must be told a port up front).
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port: 0 }, () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The first port of the kernel's ephemeral range (local ports of connections, and of `listen(0)`). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 11_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port }, () => server.close(() => resolve(true)));
  });
}

/**
 * A free port below the ephemeral range, for a server restarted on the same port (etcd's outage tests). While
 * it is down, a port in the ephemeral range can be taken by any connection as its local port: even by a
 * client reconnecting to that very port on loopback, which then connects to itself (TCP simultaneous open)
 * and holds it, so the restarted server cannot listen there.
 */
export async function stablePort(host = '127.0.0.1'): Promise<number> {
  const low = ephemeralLow();
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * (low - 10_000));
    if (await canListen(host, port)) return port;
  }
  throw new Error(`no free port found between 10000 and ${low}`);
}
