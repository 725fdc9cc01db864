// Who a TLS client is from its certificate (mutual TLS): the subject of a certificate the listener verified
// against tls.ca, mapped to a principal name by the mapping rules (principal-mapping.ts). Without a
// certificate the connection is ANONYMOUS until SASL authenticates it; SASL on a TLS connection replaces
// the certificate's principal, as Kafka's SASL_SSL does.
import type { TLSSocket } from 'node:tls';
import { ANONYMOUS_PRINCIPAL, type Principal, userPrincipal } from '../principal.js';
import type { TlsConfig } from './config.js';
import { mapSubject, subjectDn } from './principal-mapping.js';

/** What a connection knows of its TLS session (ConnectionFacts.tls). */
export interface TlsFacts {
  /** "TLSv1.3". */
  readonly protocol: string | null;
  readonly cipher: string;
  /** The verified client certificate's subject (RFC 2253), or null: none presented. */
  readonly clientSubject: string | null;
  /** The principal the certificate maps to, or null: none (the connection starts ANONYMOUS). */
  readonly certificatePrincipal: Principal | null;
}

export type ClientIdentity = { readonly facts: TlsFacts } | { readonly refused: string };

/** The identity of a client whose handshake just completed, or why the listener refuses it. */
export function identifyClient(socket: TLSSocket, config: TlsConfig): ClientIdentity {
  const base = { protocol: socket.getProtocol(), cipher: socket.getCipher().name };
  const certificate = config.clientAuth === 'none' ? undefined : socket.getPeerX509Certificate();
  if (certificate === undefined)
    return { facts: Object.freeze({ ...base, clientSubject: null, certificatePrincipal: null }) };
  // "required" never gets here unverified (the handshake fails); "requested" refuses a certificate it cannot trust.
  if (!socket.authorized)
    return { refused: `its client certificate is not trusted (${String(socket.authorizationError)})` };
  const dn = subjectDn(certificate);
  const name = mapSubject(dn, config.principalMappingRules);
  if (name === null)
    return { refused: `no tls.principalMappingRules rule maps its certificate subject "${dn}" to a principal` };
  return { facts: Object.freeze({ ...base, clientSubject: dn, certificatePrincipal: userPrincipal(name) }) };
}

/** The principal a connection starts as. */
export function initialPrincipal(facts: TlsFacts | null): Principal {
  return facts?.certificatePrincipal ?? ANONYMOUS_PRINCIPAL;
}
