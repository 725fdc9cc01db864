// SCRAM (RFC 5802, with SHA-256 / SHA-512 per RFC 7677): the messages and the key derivation, shared by the
// broker (users store, server exchange) and the SDK (client exchange).
//
// The exchange, as bytes (UTF-8 text, attributes "k=v" separated by commas):
//   client-first:  gs2-header "n,," (or "n,a=authzid,") + client-first-bare "n=<user>,r=<client nonce>[,ext]"
//   server-first:  "r=<client nonce><server nonce>,s=<base64 salt>,i=<iterations>"
//   client-final:  "c=<base64 gs2-header>,r=<full nonce>,p=<base64 proof>"
//   server-final:  "v=<base64 server signature>"
// AuthMessage = client-first-bare + "," + server-first + "," + client-final without ",p=…".
// The server keeps only StoredKey = H(ClientKey) and ServerKey; the client proves it knows ClientKey with
// proof = ClientKey XOR HMAC(StoredKey, AuthMessage), so the server recovers ClientKey and compares its hash.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
export const SCRAM_MECHANISMS: readonly ScramMechanism[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];

/** RFC 7677 asks for at least 4096; the store refuses fewer. */
export const MIN_SCRAM_ITERATIONS = 4096;
export const DEFAULT_SCRAM_ITERATIONS = 8192;

/** The hash of a mechanism; sha1 exists only for RFC 5802's own test vector. */
export type ScramHash = 'sha1' | 'sha256' | 'sha512';

export function hashOf(mechanism: ScramMechanism): ScramHash {
  return mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
}

/** What the server stores of a password: never the password, nor anything a client could log in with. */
export interface ScramCredential {
  readonly salt: Buffer;
  readonly iterations: number;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
}

const KEY_BYTES: Record<ScramHash, number> = { sha1: 20, sha256: 32, sha512: 64 };

function hmac(hash: ScramHash, key: Buffer, text: string | Buffer): Buffer {
  return createHmac(hash, key).update(text).digest();
}

function h(hash: ScramHash, data: Buffer): Buffer {
  return createHash(hash).update(data).digest();
}

export function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/** Hi(password, salt, i) = PBKDF2 with HMAC-H, one block. */
export function saltedPassword(hash: ScramHash, password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, KEY_BYTES[hash], hash);
}

export function clientKeyOf(hash: ScramHash, salted: Buffer): Buffer {
  return hmac(hash, salted, 'Client Key');
}

export function deriveCredential(hash: ScramHash, password: string, salt: Buffer, iterations: number): ScramCredential {
  return credentialOfSalted(hash, saltedPassword(hash, password, salt, iterations), salt, iterations);
}

/**
 * The stored credential from a salted password (Hi(password, salt, i)), as Kafka's AlterUserScramCredentials
 * carries it: the password itself never leaves the client.
 */
export function credentialOfSalted(hash: ScramHash, salted: Buffer, salt: Buffer, iterations: number): ScramCredential {
  return {
    salt,
    iterations,
    storedKey: h(hash, clientKeyOf(hash, salted)),
    serverKey: hmac(hash, salted, 'Server Key'),
  };
}

/** A fresh credential for a new password: random 32-byte salt. */
export function newCredential(
  mechanism: ScramMechanism,
  password: string,
  iterations = DEFAULT_SCRAM_ITERATIONS,
): ScramCredential {
  if (!Number.isSafeInteger(iterations) || iterations < MIN_SCRAM_ITERATIONS)
    throw new RangeError(`SCRAM iterations must be at least ${MIN_SCRAM_ITERATIONS}, got ${iterations}`);
  return deriveCredential(hashOf(mechanism), password, randomBytes(32), iterations);
}

/** The client's proof for an AuthMessage (the SDK's side, and tests). */
export function clientProof(hash: ScramHash, salted: Buffer, authMessage: string): Buffer {
  const clientKey = clientKeyOf(hash, salted);
  return xor(clientKey, hmac(hash, h(hash, clientKey), authMessage));
}

export function serverSignature(hash: ScramHash, serverKey: Buffer, authMessage: string): Buffer {
  return hmac(hash, serverKey, authMessage);
}

/** Does `proof` show knowledge of the ClientKey behind `storedKey`? Constant time in the compared bytes. */
export function proofMatches(hash: ScramHash, storedKey: Buffer, authMessage: string, proof: Buffer): boolean {
  const signature = hmac(hash, storedKey, authMessage);
  if (proof.length !== signature.length) return false;
  return timingSafeEqual(h(hash, xor(proof, signature)), storedKey);
}

/** Constant-time equality of two strings of possibly different lengths. */
export function sameText(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y) && a.length === b.length;
}

/** "a=1,b=2" → Map; attribute names are single letters (RFC 5802 §5.1). Throws on anything else. */
export function parseAttributes(text: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const part of text.split(',')) {
    if (!/^[A-Za-z]=/.test(part)) throw new ScramSyntaxError('malformed SCRAM attribute');
    const name = part[0]!;
    if (attributes.has(name)) throw new ScramSyntaxError('repeated SCRAM attribute');
    attributes.set(name, part.slice(2));
  }
  return attributes;
}

/** saslname: "=2C" is ",", "=3D" is "="; any other "=" is an error. */
export function decodeSaslName(text: string): string {
  if (/=(?!2C|3D)/.test(text)) throw new ScramSyntaxError('malformed SCRAM user name');
  return text.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

export function encodeSaslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

export class ScramSyntaxError extends Error {
  override name = 'ScramSyntaxError';
}

/** A printable nonce (RFC 5802: printable ASCII but ","): base64 of random bytes. */
export function newNonce(): string {
  return randomBytes(24).toString('base64');
}

export interface ClientFirst {
  /** "n,," or "n,a=…,": echoed in the client-final's channel binding. */
  readonly gs2Header: string;
  readonly bare: string;
  readonly user: string;
  readonly nonce: string;
  /** Kafka's "tokenauth=true" and other extensions: refused (no delegation tokens). */
  readonly extensions: ReadonlyMap<string, string>;
}

export function parseClientFirst(message: string): ClientFirst {
  // gs2-cbind-flag: "n" (no channel binding) or "y" (client could, thinks the server cannot); "p=" is refused.
  const match = /^([ny]),(a=[^,]*)?,(.*)$/s.exec(message);
  if (!match) throw new ScramSyntaxError('malformed SCRAM client-first message');
  const gs2Header = `${match[1]},${match[2] ?? ''},`;
  const bare = match[3]!;
  const attributes = parseAttributes(bare);
  const user = attributes.get('n');
  const nonce = attributes.get('r');
  if (user === undefined || nonce === undefined || nonce.length === 0 || attributes.has('m'))
    throw new ScramSyntaxError('malformed SCRAM client-first message');
  const extensions = new Map([...attributes].filter(([k]) => k !== 'n' && k !== 'r'));
  return { gs2Header, bare, user: decodeSaslName(user), nonce, extensions };
}

export interface ClientFinal {
  readonly channelBinding: string;
  readonly nonce: string;
  readonly proof: Buffer;
  /** Everything before ",p=": part of the AuthMessage. */
  readonly withoutProof: string;
}

export function parseClientFinal(message: string): ClientFinal {
  const at = message.lastIndexOf(',p=');
  if (at < 0) throw new ScramSyntaxError('malformed SCRAM client-final message');
  const withoutProof = message.slice(0, at);
  const attributes = parseAttributes(withoutProof);
  const channelBinding = attributes.get('c');
  const nonce = attributes.get('r');
  const proof = message.slice(at + 3);
  if (channelBinding === undefined || nonce === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(proof))
    throw new ScramSyntaxError('malformed SCRAM client-final message');
  return { channelBinding, nonce, proof: Buffer.from(proof, 'base64'), withoutProof };
}

/**
 * The client's side of one exchange (the SDK's): `first()` gives the client-first message, `final()` turns
 * the server-first into the client-final, `verify()` checks the server-final's signature (the server knew
 * the password's keys too: a mutual proof).
 */
export class ScramClientExchange {
  readonly #nonce: string;
  readonly #bare: string;
  #expectedServerSignature: Buffer | null = null;

  constructor(
    private readonly mechanism: ScramMechanism,
    user: string,
    private readonly password: string,
    nonce = newNonce(),
  ) {
    this.#nonce = nonce;
    this.#bare = `n=${encodeSaslName(user)},r=${nonce}`;
  }

  first(): string {
    return `n,,${this.#bare}`;
  }

  final(serverFirst: string): string {
    const attributes = parseAttributes(serverFirst);
    const nonce = attributes.get('r');
    const salt = attributes.get('s');
    const iterations = Number(attributes.get('i'));
    if (attributes.has('e')) throw new ScramSyntaxError(`the server refused: ${attributes.get('e')}`);
    if (nonce === undefined || salt === undefined || !nonce.startsWith(this.#nonce) || nonce === this.#nonce)
      throw new ScramSyntaxError('the server-first message does not continue this exchange');
    if (!Number.isSafeInteger(iterations) || iterations < MIN_SCRAM_ITERATIONS)
      throw new ScramSyntaxError(`the server asks for ${attributes.get('i')} iterations; at least 4096 are needed`);
    const hash = hashOf(this.mechanism);
    const salted = saltedPassword(hash, this.password, Buffer.from(salt, 'base64'), iterations);
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.#bare},${serverFirst},${withoutProof}`;
    const serverKey = createHmac(hash, salted).update('Server Key').digest();
    this.#expectedServerSignature = serverSignature(hash, serverKey, authMessage);
    return `${withoutProof},p=${clientProof(hash, salted, authMessage).toString('base64')}`;
  }

  /** Throws unless the server-final carries the signature only a server holding the user's keys can make. */
  verify(serverFinal: string): void {
    const attributes = parseAttributes(serverFinal);
    const v = attributes.get('v');
    const expected = this.#expectedServerSignature;
    if (expected === null || v === undefined) throw new ScramSyntaxError('unexpected SCRAM server-final message');
    const got = Buffer.from(v, 'base64');
    if (got.length !== expected.length || !timingSafeEqual(got, expected))
      throw new ScramSyntaxError("the server's SCRAM signature is wrong: it does not know this user's keys");
  }
}
