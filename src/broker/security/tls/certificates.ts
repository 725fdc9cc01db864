// The certificate, key and CA the broker's TLS listeners (and the HTTP door over TLS) present and trust:
// read from the PEM files of the tls settings, checked, and replaced on reload (SIGHUP under `sluice
// serve`, Broker.reloadTls() embedded). This class owns the material in use: a reload that fails (a file
// unreadable, a key that does not match its certificate, an expired certificate) keeps the old material
// and says why; a reload that succeeds hands the new material to every subscriber (each TLS server's
// setSecureContext), so new connections see the new certificate and open ones stay up untouched.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext, type SecureContextOptions, type TlsOptions } from 'node:tls';
import { BROKER_CIPHER_OPTIONS } from './ciphers.js';
import type { TlsConfig } from './config.js';

export class TlsCertificateError extends Error {
  override name = 'TlsCertificateError';
}

/** What the log says of a certificate: never the key. */
export interface CertificateSummary {
  readonly subject: string;
  readonly issuer: string;
  readonly validTo: string;
  readonly fingerprint256: string;
}

interface Material {
  readonly context: SecureContextOptions;
  readonly summary: CertificateSummary;
}

async function readPem(what: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new TlsCertificateError(`cannot read the TLS ${what} file ${path} (${code})`);
  }
}

async function loadMaterial(config: TlsConfig, now: number): Promise<Material> {
  const cert = await readPem('certificate (tls.cert)', config.cert);
  const key = await readPem('key (tls.key)', config.key);
  const ca = config.ca === null ? undefined : await readPem('CA (tls.ca)', config.ca);
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (error) {
    throw new TlsCertificateError(`${config.cert} holds no PEM certificate (${(error as Error).message})`);
  }
  const context: SecureContextOptions = { cert, key, ...(ca ? { ca } : {}), ...BROKER_CIPHER_OPTIONS };
  try {
    // Parses everything and checks that the key belongs to the certificate ("key values mismatch").
    createSecureContext(context);
  } catch (error) {
    throw new TlsCertificateError(
      `the TLS certificate ${config.cert}, key ${config.key}${ca ? ` or CA ${config.ca}` : ''} cannot be used: ${(error as Error).message}`,
    );
  }
  const validTo = Date.parse(leaf.validTo);
  const validFrom = Date.parse(leaf.validFrom);
  if (Number.isFinite(validTo) && validTo < now)
    throw new TlsCertificateError(`the TLS certificate ${config.cert} expired on ${leaf.validTo}`);
  if (Number.isFinite(validFrom) && validFrom > now)
    throw new TlsCertificateError(`the TLS certificate ${config.cert} is not valid before ${leaf.validFrom}`);
  return Object.freeze({
    context,
    summary: Object.freeze({
      subject: leaf.subject.replace(/\n/g, ', '),
      issuer: leaf.issuer.replace(/\n/g, ', '),
      validTo: leaf.validTo,
      fingerprint256: leaf.fingerprint256,
    }),
  });
}

export type ReloadOutcome = { ok: true; certificate: CertificateSummary } | { ok: false; reason: string };

export class TlsCertificates {
  #material: Material;
  readonly #subscribers = new Set<(options: SecureContextOptions) => void>();
  /** Reloads run one at a time, in order. */
  #chain: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly config: TlsConfig,
    material: Material,
    private readonly now: () => number,
  ) {
    this.#material = material;
  }

  /** Reads and checks the files; throws TlsCertificateError with one sentence. */
  static async load(config: TlsConfig, now: () => number = Date.now): Promise<TlsCertificates> {
    return new TlsCertificates(config, await loadMaterial(config, now()), now);
  }

  get certificate(): CertificateSummary {
    return this.#material.summary;
  }

  /** Options of a TLS server presenting the current certificate and asking for client ones per clientAuth. */
  serverOptions(): TlsOptions {
    const { clientAuth } = this.config;
    return {
      ...this.#material.context,
      requestCert: clientAuth !== 'none',
      // "requested": an unverified certificate is refused by the listener itself (it can tell "none" from "bad").
      rejectUnauthorized: clientAuth === 'required',
    };
  }

  /** `apply` gets the new material after every successful reload; returns the unsubscribe. */
  onReload(apply: (options: SecureContextOptions) => void): () => void {
    this.#subscribers.add(apply);
    return () => this.#subscribers.delete(apply);
  }

  /** Reads the files again; on success every subscriber switches, on failure nothing changes. */
  reload(): Promise<ReloadOutcome> {
    const run = this.#chain.then(async (): Promise<ReloadOutcome> => {
      let material: Material;
      try {
        material = await loadMaterial(this.config, this.now());
      } catch (error) {
        if (error instanceof TlsCertificateError) return { ok: false, reason: error.message };
        throw error;
      }
      for (const apply of this.#subscribers) {
        try {
          apply(material.context);
        } catch (error) {
          return { ok: false, reason: `a TLS server refused the new certificate: ${(error as Error).message}` };
        }
      }
      this.#material = material;
      return { ok: true, certificate: material.summary };
    });
    this.#chain = run.catch(() => {});
    return run;
  }
}
