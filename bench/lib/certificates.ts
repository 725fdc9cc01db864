// A CA and a server certificate for 127.0.0.1 made with openssl, and the broker process serving both a
// plaintext and a TLS native listener with them, for the TLS benches (bench/tls.ts, bench/replay-ab.ts).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BrokerProcess, startBrokerProcess } from './broker-process.js';
import { freePort } from './processes.js';

/** A CA and a server certificate for 127.0.0.1, in a temp directory. */
export function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key']);
  run(['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=bench CA', '-days', '1', '-out', 'ca.pem']);
  run(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'server.key']);
  run(['req', '-new', '-key', 'server.key', '-subj', '/CN=bench', '-out', 'server.csr']);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  run([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-set_serial',
    '1',
    '-days',
    '1',
    '-extfile',
    'server.ext',
    '-out',
    'server.pem',
  ]);
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
}

/**
 * A `sluice serve` (flush=os, no Kafka or HTTP listener) with a plaintext native listener (`broker.address`)
 * and a TLS one on `tlsPort`, made with the certificates of `makeCertificates(dir)`.
 */
export async function startTlsBroker(
  dir: string,
): Promise<{ broker: BrokerProcess; tlsPort: number; files: ReturnType<typeof makeCertificates> }> {
  const files = makeCertificates(dir);
  const tlsPort = await freePort();
  const broker = await startBrokerProcess({
    flush: 'os',
    extraArgs: [
      '--no-kafka',
      '--no-http',
      '--tls-port',
      String(tlsPort),
      '--tls-cert',
      files.cert,
      '--tls-key',
      files.key,
    ],
  });
  return { broker, tlsPort, files };
}
