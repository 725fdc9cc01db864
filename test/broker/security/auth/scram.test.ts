// SCRAM against the RFCs' own exchanges (RFC 5802 §5 with SHA-1, RFC 7677 §3 with SHA-256), and what the
// server refuses: a wrong password, a replayed or altered nonce, an unknown user — all alike from outside.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ScramFailed, ScramServerExchange } from '../../../../src/broker/security/auth/scram-server.js';
import {
  clientProof,
  deriveCredential,
  hashOf,
  newCredential,
  proofMatches,
  saltedPassword,
  serverSignature,
  type ScramCredential,
  type ScramMechanism,
} from '../../../../src/protocol/sasl/scram.js';

describe('SCRAM test vectors', () => {
  it('RFC 5802 (SCRAM-SHA-1): the proof and server signature of the example exchange', () => {
    const salt = Buffer.from('QSXCR+Q6sek8bf92', 'base64');
    const salted = saltedPassword('sha1', 'pencil', salt, 4096);
    const authMessage =
      'n=user,r=fyko+d2lbbFgONRv9qkxdawL,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096,c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j';
    expect(clientProof('sha1', salted, authMessage).toString('base64')).toBe('v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=');
    const credential = deriveCredential('sha1', 'pencil', salt, 4096);
    expect(serverSignature('sha1', credential.serverKey, authMessage).toString('base64')).toBe(
      'rmF9pqV8S7suAoZWja4dJRkFsKQ=',
    );
    expect(
      proofMatches('sha1', credential.storedKey, authMessage, Buffer.from('v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=', 'base64')),
    ).toBe(true);
  });

  it('RFC 7677 (SCRAM-SHA-256): the server accepts the example client and answers its server-final', () => {
    const credential = deriveCredential('sha256', 'pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), 4096);
    const server = new ScramServerExchange({
      mechanism: 'SCRAM-SHA-256',
      lookup: (user) => (user === 'user' ? credential : undefined),
      decoySecret: randomBytes(32),
      serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
    });
    expect(server.first('n,,n=user,r=rOprNGfwEbeRWgbNEkqO')).toBe(
      'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
    );
    const result = server.final(
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
    );
    expect(result).toEqual({ serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=', user: 'user' });
  });
});

/** A client exchange against a fresh server; returns the server's verdict. */
function attempt(
  mechanism: ScramMechanism,
  users: Record<string, ScramCredential>,
  user: string,
  password: string,
  tamper: (final: string) => string = (f) => f,
): string {
  const server = new ScramServerExchange({ mechanism, lookup: (u) => users[u], decoySecret: Buffer.alloc(32, 7) });
  const clientNonce = randomBytes(18).toString('base64');
  const bare = `n=${user},r=${clientNonce}`;
  const serverFirst = server.first(`n,,${bare}`);
  const attrs = new Map(serverFirst.split(',').map((p) => [p[0], p.slice(2)]));
  const salted = saltedPassword(
    hashOf(mechanism),
    password,
    Buffer.from(attrs.get('s')!, 'base64'),
    Number(attrs.get('i')),
  );
  const withoutProof = `c=biws,r=${attrs.get('r')}`;
  const proof = clientProof(hashOf(mechanism), salted, `${bare},${serverFirst},${withoutProof}`);
  try {
    server.final(tamper(`${withoutProof},p=${proof.toString('base64')}`));
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(ScramFailed);
    return (error as ScramFailed).reason;
  }
}

describe('SCRAM server', () => {
  for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
    it(`${mechanism}: the right password passes; a wrong one, an unknown user, a changed nonce fail`, () => {
      const users = { alice: newCredential(mechanism, 'wonderland', 4096) };
      expect(attempt(mechanism, users, 'alice', 'wonderland')).toBe('ok');
      expect(attempt(mechanism, users, 'alice', 'wonderlanD')).toBe('bad-proof');
      expect(attempt(mechanism, users, 'mallory', 'wonderland')).toBe('unknown-user');
      expect(attempt(mechanism, users, 'alice', 'wonderland', (f) => f.replace(/r=([^,]+)/, 'r=$1x'))).toBe(
        'bad-nonce',
      );
      expect(attempt(mechanism, users, 'alice', 'wonderland', (f) => f.replace('c=biws', 'c=eSws'))).toBe(
        'bad-channel-binding',
      );
    });
  }

  it('refuses a replayed client-final: a new exchange has a new server nonce', () => {
    const users = { alice: newCredential('SCRAM-SHA-256', 'wonderland', 4096) };
    let recorded = '';
    expect(attempt('SCRAM-SHA-256', users, 'alice', 'wonderland', (f) => (recorded = f))).toBe('ok');
    const replay = new ScramServerExchange({
      mechanism: 'SCRAM-SHA-256',
      lookup: (u) => users[u as 'alice'],
      decoySecret: Buffer.alloc(32),
    });
    const clientNonce = /r=([^,]+)/.exec(recorded)![1]!.slice(0, 24);
    replay.first(`n,,n=alice,r=${clientNonce}`);
    expect(() => replay.final(recorded)).toThrow(ScramFailed);
  });

  it('answers an unknown user like a known one: same salt each time, same iterations', () => {
    const server = () =>
      new ScramServerExchange({
        mechanism: 'SCRAM-SHA-512',
        lookup: () => undefined,
        decoySecret: Buffer.alloc(32, 1),
      });
    const a = server().first('n,,n=ghost,r=abc').split(',').slice(1);
    const b = server().first('n,,n=ghost,r=abc').split(',').slice(1);
    expect(a).toEqual(b);
    expect(a[1]).toBe('i=8192');
  });

  it('refuses malformed messages and a step out of order', () => {
    const make = () =>
      new ScramServerExchange({ mechanism: 'SCRAM-SHA-256', lookup: () => undefined, decoySecret: Buffer.alloc(32) });
    for (const bad of [
      '',
      'n=user,r=x',
      'p=tls-unique,,n=u,r=x',
      'n,,n=u',
      'n,,n=u,r=x,tokenauth=true',
      'n,,n=a=b,r=x',
    ]) {
      expect(() => make().first(bad)).toThrow(ScramFailed);
    }
    expect(() => make().final('c=biws,r=x,p=AAAA')).toThrow(ScramFailed);
  });
});
