// A throwaway PKI for TLS tests, made with the openssl CLI (Debian's openssl; .ci/run installs it when
// missing): a CA, server certificates for 127.0.0.1/localhost signed by it, and client certificates with
// the subject a test asks for. Everything lands in a temp directory; nothing is shared between test files.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp-dir.js';

export interface CertificateFiles {
  readonly cert: string;
  readonly key: string;
}

export interface TestPki {
  readonly dir: string;
  /** The CA's certificate file (trusted by clients and, for mutual TLS, by the broker). */
  readonly ca: string;
  /** The CA's certificate, PEM. */
  readonly caPem: Buffer;
  /** A new server certificate for 127.0.0.1 and localhost, signed by this CA. */
  server(name?: string): CertificateFiles;
  /** A new client certificate with `subject` ("/O=Acme/OU=eng/CN=alice"), signed by this CA. */
  client(subject: string, name?: string): CertificateFiles;
  /** The files read back, as tls.connect options take them. */
  read(files: CertificateFiles): { cert: Buffer; key: Buffer };
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error('openssl is not installed: run `apt-get install -y openssl` (.ci/run does)');
    throw new Error(`openssl ${args.join(' ')} failed: ${stderr}`);
  }
}

let serial = 0;

/** Signs a new key's certificate request with the CA (EC P-256 keys: quick to make). */
function issue(dir: string, name: string, subject: string, extensions: string): CertificateFiles {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.pem`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key], dir);
  openssl(['req', '-new', '-key', key, '-subj', subject, '-out', csr], dir);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-set_serial',
      String(++serial + Date.now()),
      '-days',
      '2',
      '-sha256',
      '-extfile',
      ext,
      '-out',
      cert,
    ],
    dir,
  );
  return { cert, key };
}

export async function makeTestPki(): Promise<TestPki> {
  const dir = await tempDir('sluice-pki-');
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      'ca.key',
      '-subj',
      '/O=Sluice Test/CN=Sluice Test CA',
      '-days',
      '2',
      '-sha256',
      '-out',
      'ca.pem',
    ],
    dir,
  );
  const ca = join(dir, 'ca.pem');
  let count = 0;
  return {
    dir,
    ca,
    caPem: readFileSync(ca),
    server: (name = `server-${++count}`) =>
      issue(
        dir,
        name,
        `/O=Sluice Test/CN=${name}`,
        'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n',
      ),
    client: (subject, name = `client-${++count}`) =>
      issue(dir, name, subject, 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n'),
    read: (files) => ({ cert: readFileSync(files.cert), key: readFileSync(files.key) }),
  };
}
