// The order in which the broker's TLS listeners choose a cipher suite. OpenSSL's default (and Node's
// tls.DEFAULT_CIPHERS, which clients offer in that order) puts TLS_AES_256_GCM_SHA384 first for TLS 1.3;
// a server that follows the client's order therefore encrypts every record with AES-256-GCM. The broker
// orders its own list with TLS_AES_128_GCM_SHA256 first (10 AES rounds per block instead of 14; the suite
// every TLS 1.3 implementation must support, RFC 8446 §9.1) and honours its order over the client's, so a
// client that offers both gets AES-128-GCM. The rest of Node's default list follows unchanged (TLS 1.2 clients,
// ChaCha20 for a client that offers nothing else).
//
// These are SecureContext options: they must be in every context the server is given, including the
// ones a certificate reload installs (setSecureContext replaces the whole context, ciphers included).
import { DEFAULT_CIPHERS, type SecureContextOptions } from 'node:tls';

const PREFERRED = 'TLS_AES_128_GCM_SHA256';

/** Node's default cipher list with TLS_AES_128_GCM_SHA256 moved to the front. */
export const BROKER_CIPHERS = [PREFERRED, ...DEFAULT_CIPHERS.split(':').filter((suite) => suite !== PREFERRED)].join(
  ':',
);

/** The cipher options of every TLS context the broker serves with. */
export const BROKER_CIPHER_OPTIONS: Readonly<Pick<SecureContextOptions, 'ciphers' | 'honorCipherOrder'>> =
  Object.freeze({ ciphers: BROKER_CIPHERS, honorCipherOrder: true });
