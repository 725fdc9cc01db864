// The broker picks the TLS cipher suite, not the client: a client that offers AES-256-GCM before
// AES-128-GCM (Node's default order, which the SDK's TLS connections use) gets TLS_AES_128_GCM_SHA256,
// and it still does after a certificate reload.
import { copyFileSync } from 'node:fs';
import { connect, DEFAULT_CIPHERS } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type TestBroker } from '../../../helpers/broker.js';
import { removeTempDirs } from '../../../helpers/temp-dir.js';
import { type CertificateFiles, makeTestPki, type TestPki } from '../../../helpers/tls-certificates.js';

let pki: TestPki;
let serving: CertificateFiles;
let b: TestBroker;

beforeAll(async () => {
  pki = await makeTestPki();
  serving = pki.server('ciphers');
  b = await startBroker({ tls: { port: 0, kafkaPort: 0, cert: serving.cert, key: serving.key } });
}, 60_000);
afterAll(async () => {
  await b?.stop();
  await removeTempDirs();
});

/** Connects with node:tls offering `ciphers` (in that order) and returns the suite the broker chose. */
function negotiated(port: number, ciphers?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: pki.caPem, ...(ciphers ? { ciphers } : {}) }, () => {
      const { name, version } = socket.getCipher();
      socket.destroy();
      resolve(`${version} ${name}`);
    });
    socket.once('error', reject);
  });
}

describe('TLS cipher order', () => {
  it("a client offering Node's default list (AES-256-GCM first) gets AES-128-GCM on both TLS ports", async () => {
    expect(DEFAULT_CIPHERS.indexOf('TLS_AES_256_GCM_SHA384')).toBeLessThan(
      DEFAULT_CIPHERS.indexOf('TLS_AES_128_GCM_SHA256'),
    );
    expect(await negotiated(b.broker.tlsPort!)).toBe('TLSv1.3 TLS_AES_128_GCM_SHA256');
    expect(await negotiated(b.broker.kafkaTlsPort!)).toBe('TLSv1.3 TLS_AES_128_GCM_SHA256');
  });

  it('a client offering AES-256-GCM then AES-128-GCM only gets AES-128-GCM; one offering AES-256-GCM alone gets it', async () => {
    const port = b.broker.tlsPort!;
    expect(await negotiated(port, 'TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256')).toBe(
      'TLSv1.3 TLS_AES_128_GCM_SHA256',
    );
    expect(await negotiated(port, 'TLS_AES_256_GCM_SHA384')).toBe('TLSv1.3 TLS_AES_256_GCM_SHA384');
  });

  it('the order survives a certificate reload', async () => {
    const next = pki.server('ciphers-renewed');
    copyFileSync(next.cert, serving.cert);
    copyFileSync(next.key, serving.key);
    expect(await b.broker.reloadTls()).toMatchObject({ ok: true });
    expect(await negotiated(b.broker.tlsPort!)).toBe('TLSv1.3 TLS_AES_128_GCM_SHA256');
  });
});
