// What the log says when a client fails a TLS listener's handshake: one sentence naming the likely cause
// (a plaintext client on the TLS port, a client without the certificate mutual TLS asks for, a client that
// does not trust the broker's certificate), at most FAILURE_LOG_LINES lines per FAILURE_LOG_WINDOW_MS per
// listener (failures beyond are counted in the next line), so a scanner cannot flood the log.
import type { Logger } from 'pino';

const FAILURE_LOG_WINDOW_MS = 1000;
const FAILURE_LOG_LINES = 10;

/** Why a handshake failed, from the error Node reports on the server side. */
export function handshakeFailure(error: NodeJS.ErrnoException, port: number, wireName: string): string {
  const code = error.code ?? '';
  const plain = `a client spoke plaintext to the ${wireName} TLS port ${port}: connect with TLS (SDK ssl option, sluice --tls, Kafka security.protocol=SSL or SASL_SSL) or use the plaintext port`;
  switch (code) {
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_UNKNOWN_PROTOCOL':
    case 'ERR_SSL_PACKET_LENGTH_TOO_LONG':
    case 'ERR_SSL_RECORD_LENGTH_MISMATCH':
      return plain;
    case 'ERR_SSL_HTTP_REQUEST':
      return `an HTTP client spoke plaintext to the ${wireName} TLS port ${port}: this port speaks the ${wireName} protocol over TLS`;
    case 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE':
      return `a client without a certificate was refused by the ${wireName} TLS port ${port}: mutual TLS requires a client certificate signed by tls.ca`;
    case 'ERR_SSL_CERTIFICATE_VERIFY_FAILED':
      return `a client certificate was refused by the ${wireName} TLS port ${port}: it is not signed by tls.ca, or has expired`;
    case 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA':
    case 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE':
    case 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN':
      return `a client on the ${wireName} TLS port ${port} does not trust the broker's certificate (give the client the CA that signed it)`;
    case 'ERR_TLS_HANDSHAKE_TIMEOUT':
      return `a client on the ${wireName} TLS port ${port} did not complete the TLS handshake in time`;
    case 'ECONNRESET':
      return `a client on the ${wireName} TLS port ${port} hung up during the TLS handshake (it may not trust the broker's certificate)`;
    default:
      return `a TLS handshake on the ${wireName} TLS port ${port} failed: ${error.message}`;
  }
}

/** Logs handshake failures of one listener, rate limited. */
export class HandshakeFailureLog {
  #windowStart = 0;
  #lines = 0;
  #unlogged = 0;

  constructor(private readonly logger: Logger) {}

  failed(message: string, fields: Record<string, unknown>): void {
    const now = Date.now();
    if (now - this.#windowStart >= FAILURE_LOG_WINDOW_MS) {
      this.#windowStart = now;
      this.#lines = 0;
    }
    if (this.#lines >= FAILURE_LOG_LINES) {
      this.#unlogged++;
      return;
    }
    this.#lines++;
    const notLogged = this.#unlogged;
    this.#unlogged = 0;
    this.logger.warn({ ...fields, ...(notLogged > 0 ? { notLogged } : {}) }, message);
  }
}
