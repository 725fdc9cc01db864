// What the log says when a client fails a TLS listener's handshake: one sentence naming the likely cause
// (a plaintext client on the TLS port, a client without the certificate mutual TLS asks for, a client that
// does not trust the broker's certificate), at most FAILURE_LOG_LINES lines per FAILURE_LOG_WINDOW_MS per
// listener (failures beyond are counted in the next line), so a scanner cannot flood the log. A plaintext
// client is recognised by the listener from its first byte (listener.ts) and answered what plaintextOnTlsPort
// says, so that it knows at once.
import type { Logger } from 'pino';
import { httpRefusal, identifyForeignProtocol } from './foreign-protocol.js';

const FAILURE_LOG_WINDOW_MS = 1000;
const FAILURE_LOG_LINES = 10;

/**
 * A TLS alert record, fatal unexpected_message: bytes 0x15 (alert), 0x03 0x03 (TLS 1.2 record version),
 * 0x00 0x02 (length), 0x02 (fatal), 0x0a (unexpected_message). What a plaintext client on a TLS port is
 * answered: the SDK (src/client/foreign-peer.ts) and other clients recognise a TLS port from it.
 */
const TLS_ALERT_UNEXPECTED_MESSAGE = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x0a]);

const plaintextClient = (port: number, wireName: string) =>
  `a client spoke plaintext to the ${wireName} TLS port ${port}: connect with TLS (SDK ssl option, sluice --tls, Kafka security.protocol=SSL or SASL_SSL) or use the plaintext port`;
const httpClient = (port: number, wireName: string) =>
  `an HTTP client spoke plaintext to the ${wireName} TLS port ${port}: this port speaks the ${wireName} protocol over TLS`;

/**
 * A client whose first bytes (`first`) are no TLS handshake: the log's sentence, and what it is answered
 * before the connection closes (an HTTP 400 to an HTTP client, a TLS alert to any other).
 */
export function plaintextOnTlsPort(
  first: Buffer,
  port: number,
  wireName: string,
): { message: string; reply: Buffer | string } {
  if (identifyForeignProtocol(first)?.protocol === 'HTTP') {
    const message = httpClient(port, wireName);
    return { message, reply: httpRefusal(message) };
  }
  return { message: plaintextClient(port, wireName), reply: TLS_ALERT_UNEXPECTED_MESSAGE };
}

/** Why a handshake failed, from the error Node reports on the server side. */
export function handshakeFailure(error: NodeJS.ErrnoException, port: number, wireName: string): string {
  const code = error.code ?? '';
  switch (code) {
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_UNKNOWN_PROTOCOL':
    case 'ERR_SSL_PACKET_LENGTH_TOO_LONG':
    case 'ERR_SSL_RECORD_LENGTH_MISMATCH':
      return plaintextClient(port, wireName);
    case 'ERR_SSL_HTTP_REQUEST':
      return httpClient(port, wireName);
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
