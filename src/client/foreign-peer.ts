// A broker address that is not a Sluice native port gives itself away in the connection's first exchange
// (connection.ts asks only while its handshake runs): the peer answers the ApiVersions request with another
// protocol's bytes (an HTTP server's "HTTP/1.1 400 …", a TLS alert) or with bytes that are no native frame.
// No retry mends a wrong port, so each of these is a non-retriable SluiceForeignProtocolError saying where
// to point `brokers` instead. A peer that closes without a word may be a Kafka-protocol port (the native
// frame reads there as a request of an API version Kafka does not have, which Kafka answers by closing), but
// also a Sluice broker stopping (or refusing more connections over its limits than it answers at once): that
// close stays a retriable connection error, whose message names both causes.
//
// A Sluice broker over its connection limits (maxConnections, maxConnectionsPerAddress) answers the first
// request with CONNECTION_LIMIT_REACHED and the limit in words, then closes: retriable (a place frees up when
// another connection closes), and the error, the last one after the retries included, says which limit.
//
// With `ssl`, the TLS handshake comes first and shows a port without TLS: OpenSSL finds the answer is no TLS
// record ("wrong version number": a Sluice broker's plaintext port answers a TLS handshake with a plaintext
// line, an HTTP server with its 400), which no retry mends: a non-retriable SluiceForeignProtocolError saying
// to drop ssl or use the TLS port. A close in the middle of the handshake (a Kafka plaintext port, but also a
// broker stopping) stays retriable, and its message names both.
//
// A native frame never looks like the first two: its first four bytes are its length, and "HTTP" (1.2 GB) or
// a TLS record's 0x1503…/0x1603… (350 MB) are far beyond any handshake answer.
import { ErrorCode } from '../protocol/errors.js';
import { type SluiceError, SluiceConnectionError, SluiceForeignProtocolError, SluiceProtocolError } from './errors.js';

const NATIVE_PORT = "a Sluice broker's native port (9650 by default), the only one the SDK speaks";

/** OpenSSL's codes for a handshake answered with bytes that are no TLS record. */
const NOT_TLS_CODES = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_UNKNOWN_PROTOCOL',
  'ERR_SSL_RECORD_LENGTH_MISMATCH',
]);

/** What the first bytes the peer answered say about it; null when they may begin a native frame. */
export function foreignAnswer(first: Buffer, broker: string, tls: boolean): SluiceForeignProtocolError | null {
  if (first.length >= 5 && first.toString('latin1', 0, 5) === 'HTTP/') {
    const status = first.toString('latin1', 0, Math.min(first.length, 64)).split(/[\r\n]/)[0];
    return new SluiceForeignProtocolError(
      `${broker} answered with HTTP ("${status}"): that is an HTTP port (a Sluice broker's HTTP port, for one), not ${NATIVE_PORT}`,
      broker,
    );
  }
  if (!tls && first.length >= 2 && (first[0] === 0x15 || first[0] === 0x16) && first[1] === 0x03) {
    return new SluiceForeignProtocolError(
      `${broker} answered with TLS: that port expects TLS; set the client's ssl option, or point brokers at ${NATIVE_PORT}`,
      broker,
    );
  }
  return null;
}

/** The handshake's answer is no native frame (`cause`: why it does not decode). */
export function unreadableAnswer(broker: string, cause: unknown): SluiceForeignProtocolError {
  return new SluiceForeignProtocolError(
    `${broker} answered with bytes that are not Sluice's native protocol (${(cause as Error).message}): point brokers at ${NATIVE_PORT}`,
    broker,
    { cause },
  );
}

/** The peer closed the connection before answering a byte of the handshake (retriable: see above). */
export function silentPeer(broker: string): SluiceConnectionError {
  return new SluiceConnectionError(
    `${broker} closed the connection without answering the handshake (ApiVersions): a broker stopping does this (or one refusing many connections over its maxConnections at once), and so does a port that does not speak Sluice's native protocol (a Kafka-protocol port, 9092 by default); if it goes on, check that brokers names ${NATIVE_PORT}`,
    broker,
  );
}

/** The handshake's error when the broker refused the connection over a connection limit; else null. */
export function refusedOverLimit(error: unknown, broker: string): SluiceProtocolError | null {
  if (!(error instanceof SluiceProtocolError) || error.code !== ErrorCode.CONNECTION_LIMIT_REACHED) return null;
  return new SluiceProtocolError(
    'CONNECTION_LIMIT_REACHED',
    `${broker} refused the connection: ${error.message}; it takes new ones as others close (or raise the limit on the broker)`,
    { cause: error },
  );
}

/**
 * The client's TLS handshake (`ssl`) failed before it was done with `error`: what that says about the port,
 * or null when it says nothing of the kind (a certificate the client does not trust, a refused connection).
 */
export function tlsHandshakeFailure(error: NodeJS.ErrnoException, broker: string): SluiceError | null {
  if (NOT_TLS_CODES.has(error.code ?? ''))
    return new SluiceForeignProtocolError(
      `${broker} answered the TLS handshake with bytes that are not TLS: that port does not speak TLS (a Sluice broker's plaintext port, for one); remove the client's ssl option, or point brokers at the broker's TLS port (--tls-port)`,
      broker,
      { cause: error },
    );
  // Node's words for a close before the handshake completed: "Client network socket disconnected before
  // secure TLS connection was established". No cause and no code: it is not a socket failure to report as one.
  if (error.code === 'ECONNRESET')
    return new SluiceConnectionError(
      `${broker} closed the connection during the TLS handshake: a port that does not speak TLS does this (a Kafka-protocol plaintext port, for one), and so does a broker stopping; if it goes on, check that brokers names the broker's TLS port (--tls-port), or remove the client's ssl option`,
      broker,
    );
  return null;
}
