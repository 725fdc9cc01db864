// `sluice serve` with TLS, as an operator runs it: the --tls-* flags, the CLI's own --ca / --cert / --key
// against the TLS port, the HTTP door over HTTPS (--http-tls), and SIGHUP replacing the certificate
// without dropping the connections that are open (a bad new certificate keeps the old one).
import { copyFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiVersionsApi } from '../../src/protocol/index.js';
import { WireClient } from '../helpers/wire-client.js';
import { startSluice, type SluiceProcess } from '../helpers/sluice-process.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { type CertificateFiles, makeTestPki, type TestPki } from '../helpers/tls-certificates.js';
import { waitFor } from '../helpers/wait-for.js';
import { sluice } from './helpers.js';

let pki: TestPki;
let serving: CertificateFiles;
let client: CertificateFiles;
let broker: SluiceProcess;
let tlsPort: number;
let httpsPort: number;

beforeAll(async () => {
  pki = await makeTestPki();
  serving = pki.server('first');
  client = pki.client('/O=Acme/CN=ops');
  broker = await startSluice([
    '--data-dir',
    await tempDir(),
    '--port',
    '0',
    '--tls-port',
    '0',
    '--tls-cert',
    serving.cert,
    '--tls-key',
    serving.key,
    '--tls-ca',
    pki.ca,
    '--tls-client-auth',
    'requested',
    '--http-tls',
    '--log-level',
    'debug',
  ]);
  const listening = broker.lines.find((l) => l.msg === 'listening')!;
  tlsPort = listening.tlsPort as number;
  const https = await waitFor(() => broker.lines.find((l) => l.msg === 'HTTPS listening'), { timeoutMs: 20_000 });
  httpsPort = https.port as number;
}, 60_000);
afterAll(async () => {
  await broker?.kill('SIGTERM');
  await removeTempDirs();
});

function openTls(): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host: '127.0.0.1', port: tlsPort, ca: pki.caPem }, () => resolve(socket));
    socket.once('error', reject);
  });
}

const commonName = (socket: TLSSocket) => /CN=([^\n]+)/.exec(socket.getPeerX509Certificate()?.subject ?? '')?.[1];

describe('sluice serve over TLS', () => {
  it('the CLI talks to the TLS port with --ca, and with --cert/--key for mutual TLS', async () => {
    const b = ['-b', `127.0.0.1:${tlsPort}`];
    const created = await sluice(['topics', 'create', 'over-tls', ...b, '--ca', pki.ca]);
    expect(created.code, created.stderr).toBe(0);
    const produced = await sluice(
      ['produce', 'over-tls', ...b, '--ca', pki.ca, '--cert', client.cert, '--key', client.key],
      {
        input: 'one\ntwo\n',
      },
    );
    expect(produced.code, produced.stderr).toBe(0);
    const consumed = await sluice(['consume', 'over-tls', '--from-beginning', '-e', ...b, '--ca', pki.ca]);
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.stdout.trim().split('\n')).toEqual(['one', 'two']);
    const untrusted = await sluice(['topics', 'list', ...b, '--tls']);
    expect(untrusted.code).not.toBe(0);
  });

  it('--http-tls serves the HTTP door over HTTPS with the same certificate', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      get({ host: '127.0.0.1', port: httpsPort, path: '/healthz', ca: pki.caPem }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(`${res.statusCode} ${text}`));
      }).on('error', reject);
    });
    expect(body).toMatch(/^200 /);
  });

  it('SIGHUP: new connections see the new certificate, open ones stay up; a bad one is refused and logged', async () => {
    const before = await openTls();
    expect(commonName(before)).toBe('first');
    before.destroy();
    // Opened before the reloads: it must still carry requests after them.
    const open = await WireClient.connectTls(tlsPort, { ca: pki.caPem });
    expect((await open.request(ApiVersionsApi, {})).errorCode).toBe(0);

    const next = pki.server('second');
    copyFileSync(next.cert, serving.cert);
    copyFileSync(next.key, serving.key);
    broker.child.kill('SIGHUP');
    await waitFor(() => broker.lines.find((l) => l.msg === 'TLS certificate reloaded'), { timeoutMs: 20_000 });
    const after = await openTls();
    expect(commonName(after)).toBe('second');
    after.destroy();

    writeFileSync(serving.key, 'garbage\n');
    broker.child.kill('SIGHUP');
    const refused = await waitFor(() => broker.lines.find((l) => /TLS certificate not reloaded/.test(String(l.msg))), {
      timeoutMs: 20_000,
    });
    expect(String(refused.reason)).toContain(serving.key);
    const still = await openTls();
    expect(commonName(still)).toBe('second');
    still.destroy();

    // The connection opened before both reloads still carries requests.
    expect((await open.request(ApiVersionsApi, {})).errorCode).toBe(0);
    expect(open.isClosed).toBe(false);
    open.destroy();
    const listed = await sluice(['topics', 'list', '-b', `127.0.0.1:${tlsPort}`, '--ca', pki.ca]);
    expect(listed.stdout).toContain('over-tls');
    expect(broker.child.exitCode).toBeNull();
  });
});
