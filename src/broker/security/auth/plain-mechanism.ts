// PLAIN (RFC 4616) as a SASL mechanism, offered on TLS listeners only (the client sends its password
// itself, which only an encrypted connection may carry). One round: the client sends
// "[authzid] NUL authcid NUL password"; the broker answers with nothing, or fails.
//
// The password is checked against the user's SCRAM credential (users.ts keeps no password): the broker
// derives the salted password from the stored salt and iteration count (PBKDF2, off the event loop), then
// StoredKey = H(HMAC(salted, "Client Key")), and compares it with the stored one in constant time. An unknown
// user costs the same derivation (with a stand-in salt), so timing tells no user names; every failure is
// the same SASL_AUTHENTICATION_FAILED for the client, with its reason only in the log and activity log.
import { createHash, createHmac, pbkdf2, timingSafeEqual } from 'node:crypto';
import {
  DEFAULT_SCRAM_ITERATIONS,
  hashOf,
  type ScramCredential,
  type ScramHash,
  type ScramMechanism,
} from '../../../protocol/sasl/scram.js';
import { userPrincipal } from '../principal.js';
import { AuthenticationFailed, type MechanismExchange, type RoundResult } from './mechanism.js';
import type { UserStore } from './users.js';

/** The SCRAM credential PLAIN checks against, in preference order (every user created here has both). */
const CHECKED_MECHANISMS: readonly ScramMechanism[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];
const KEY_BYTES = { sha1: 20, sha256: 32, sha512: 64 } as const;

function derive(password: Buffer, salt: Buffer, iterations: number, hash: ScramHash): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    pbkdf2(password, salt, iterations, KEY_BYTES[hash], hash, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

function storedKeyOf(salted: Buffer, hash: ScramHash): Buffer {
  const clientKey = createHmac(hash, salted).update('Client Key').digest();
  return createHash(hash).update(clientKey).digest();
}

/** "[authzid] NUL authcid NUL password" → its parts, or null when malformed. */
function parsePlain(bytes: Buffer): { authzid: string; user: string; password: Buffer } | null {
  const first = bytes.indexOf(0);
  const second = first < 0 ? -1 : bytes.indexOf(0, first + 1);
  if (second < 0 || bytes.indexOf(0, second + 1) >= 0) return null;
  const user = bytes.subarray(first + 1, second).toString('utf8');
  const password = bytes.subarray(second + 1);
  if (user.length === 0 || password.length === 0) return null;
  return { authzid: bytes.subarray(0, first).toString('utf8'), user, password };
}

export class PlainMechanismExchange implements MechanismExchange {
  #done = false;

  constructor(
    private readonly users: UserStore,
    /** Derives an unknown user's stand-in salt (the same per name for this broker run). */
    private readonly decoySecret: Buffer,
  ) {}

  async round(clientBytes: Buffer): Promise<RoundResult> {
    if (this.#done) throw new AuthenticationFailed('state');
    this.#done = true;
    const message = parsePlain(clientBytes);
    if (!message) throw new AuthenticationFailed('malformed');
    const { authzid, user, password } = message;
    let credential: ScramCredential | undefined;
    let mechanism: ScramMechanism = 'SCRAM-SHA-256';
    for (const m of CHECKED_MECHANISMS) {
      credential = this.users.credential(user, m);
      if (credential) {
        mechanism = m;
        break;
      }
    }
    const hash = hashOf(mechanism);
    const decoy = credential === undefined;
    const salt = credential?.salt ?? createHmac('sha256', this.decoySecret).update(user).digest();
    const salted = await derive(password, salt, credential?.iterations ?? DEFAULT_SCRAM_ITERATIONS, hash);
    const computed = storedKeyOf(salted, hash);
    const expected = credential?.storedKey ?? Buffer.alloc(computed.length);
    const matches = timingSafeEqual(computed, expected) && !decoy;
    if (decoy) throw new AuthenticationFailed('unknown-user', user);
    if (!matches) throw new AuthenticationFailed('bad-password', user);
    // Kafka's rule: an authorization id, when given, must be the user itself (no impersonation).
    if (authzid !== '' && authzid !== user) throw new AuthenticationFailed('authzid-differs', user);
    return { reply: Buffer.alloc(0), done: { principal: userPrincipal(user), expiresAtMs: null } };
  }
}
