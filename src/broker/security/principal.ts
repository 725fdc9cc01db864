// Who a connection acts as. Every connection starts as ANONYMOUS; authentication (SASL on either wire, a
// TLS client certificate) replaces its principal; authorization (ACLs), quotas and the activity log read
// it. Kafka writes a principal as "<type>:<name>" ("User:alice", "User:*" for anyone in an ACL).

export interface Principal {
  /** "User" for every principal Sluice creates today (Kafka's KafkaPrincipal.USER_TYPE). */
  readonly type: string;
  readonly name: string;
}

export const ANONYMOUS_PRINCIPAL: Principal = Object.freeze({ type: 'User', name: 'ANONYMOUS' });

export function userPrincipal(name: string): Principal {
  return Object.freeze({ type: 'User', name });
}

/** "User:alice". */
export function formatPrincipal(principal: Principal): string {
  return `${principal.type}:${principal.name}`;
}

/** Parses "User:alice" (the type is everything before the first colon); throws a sentence on anything else. */
export function parsePrincipal(text: string): Principal {
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) {
    throw new Error(`a principal is written "<type>:<name>" (for example "User:alice"), got ${JSON.stringify(text)}`);
  }
  return Object.freeze({ type: text.slice(0, colon), name: text.slice(colon + 1) });
}
