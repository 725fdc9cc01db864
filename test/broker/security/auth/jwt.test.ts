// JWT verification: the RFC/edge matrix (expired, not yet valid, wrong audience, wrong issuer, wrong key,
// alg none, HS256 keyed with the RSA public key) is refused with a reason for the log; good tokens of each
// algorithm name their subject; the key file is checked once, with a sentence.
import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { BrokerConfigError, resolveBrokerConfig } from '../../../../src/broker/index.js';
import { JwtRejected, JwtVerifier } from '../../../../src/broker/security/auth/jwt-verifier.js';
import { parseOAuthBearerMessage } from '../../../../src/broker/security/auth/oauthbearer-mechanism.js';
import type { JwtOptions } from '../../../../src/broker/security/config.js';
import {
  hmacWithPublicKey,
  makeTestKeys,
  nowSeconds,
  signToken,
  type TestKeys,
  unsignedToken,
} from '../../../helpers/jwt.js';

let keys: TestKeys;
beforeAll(() => {
  keys = makeTestKeys();
});

function verifier(options: Partial<JwtOptions> = {}): JwtVerifier {
  const config = resolveBrokerConfig({
    dataDir: '/tmp/x',
    security: { jwt: { key: keys.rsa.publicPem, ...options } },
  }).security.jwt!;
  return new JwtVerifier(config, () => Date.now());
}

async function reason(v: JwtVerifier, token: string): Promise<string> {
  const error = await v.verify(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(JwtRejected);
  return (error as JwtRejected).reason;
}

describe('JWT verification', () => {
  it('takes an RS256 token and names its subject; the session ends at exp plus the skew', async () => {
    const exp = nowSeconds() + 600;
    const verified = await verifier({ clockSkewSeconds: 5 }).verify(await signToken(keys, { sub: 'alice', exp }));
    expect(verified).toEqual({ subject: 'alice', expiresAtMs: (exp + 5) * 1000 });
  });

  it('takes ES256 and HS256 tokens from a JWKS, each checked with its own key', async () => {
    const v = verifier({ key: keys.jwks });
    expect((await v.verify(await signToken(keys, { alg: 'ES256', sub: 'ec-user', kid: 'ec' }))).subject).toBe(
      'ec-user',
    );
    expect((await v.verify(await signToken(keys, { alg: 'HS256', sub: 'hs-user', kid: 'hmac' }))).subject).toBe(
      'hs-user',
    );
    expect((await v.verify(await signToken(keys, { alg: 'RS256', sub: 'rs-user' }))).subject).toBe('rs-user');
  });

  it('refuses the edge matrix, each for its own reason', async () => {
    const v = verifier({ issuer: 'https://issuer.test', audience: 'sluice', clockSkewSeconds: 0 });
    const good = { sub: 'alice', iss: 'https://issuer.test', aud: 'sluice' };
    const now = nowSeconds();
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const cases: Array<[string, Promise<string> | string, RegExp]> = [
      ['expired', signToken(keys, { ...good, exp: now - 60 }), /expired token/],
      ['not yet valid', signToken(keys, { ...good, nbf: now + 600 }), /not yet valid/],
      ['wrong audience', signToken(keys, { ...good, aud: 'someone-else' }), /wrong audience/],
      ['no audience', signToken(keys, { sub: 'alice', iss: 'https://issuer.test' }), /wrong audience|invalid claim/],
      ['wrong issuer', signToken(keys, { ...good, iss: 'https://evil.test' }), /wrong issuer/],
      ['no exp', signToken(keys, { ...good, exp: null }), /exp/],
      ['no subject', signToken(keys, { iss: good.iss, aud: good.aud }), /sub claim/],
      ['alg none', unsignedToken({ ...good, exp: now + 600 }), /alg none/],
      [
        'HS256 keyed with the RSA public key',
        hmacWithPublicKey(keys.rsa.publicPem, { ...good, exp: now + 600 }),
        /no configured key verifies alg HS256/,
      ],
      ['garbage', 'not.a.token', /malformed/],
      ['empty', '', /malformed/],
    ];
    // A token signed by another RSA key: right shape, wrong signature.
    const forged = await signToken({ ...keys, rsa: { privateKey: other.privateKey, publicPem: '' } }, good);
    cases.push(['wrong key', forged, /bad signature/]);
    for (const [name, token, expected] of cases) {
      expect(await reason(v, await token), name).toMatch(expected);
    }
  });

  it('never verifies an HS256 token with an RSA key, even when a JWKS holds both (kid pointing at the RSA key)', async () => {
    const v = verifier({ key: keys.jwks });
    const token = hmacWithPublicKey(keys.rsa.publicPem, { sub: 'mallory', exp: nowSeconds() + 600 });
    expect(await reason(v, token)).toMatch(/bad signature|no configured key/);
  });

  it('tolerates the configured clock skew on exp and nbf', async () => {
    const now = nowSeconds();
    const v = verifier({ clockSkewSeconds: 120 });
    expect((await v.verify(await signToken(keys, { sub: 'a', exp: now - 60 }))).subject).toBe('a');
    expect((await v.verify(await signToken(keys, { sub: 'a', nbf: now + 60 }))).subject).toBe('a');
  });

  it('reads the principal from the configured claim', async () => {
    const v = verifier({ principalClaim: 'preferred_username' });
    const token = await signToken(keys, { sub: 'id-123', claims: { preferred_username: 'bob' } });
    expect((await v.verify(token)).subject).toBe('bob');
  });
});

describe('JWT settings', () => {
  it('are checked once, with one sentence naming the setting', () => {
    const weakRsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const cases: Array<[unknown, RegExp]> = [
      [{ issuer: 'x' }, /security\.jwt\.key must hold the verification keys/],
      [{ key: 'hello' }, /neither PEM nor JSON/],
      [{ key: '{"keys": []}' }, /the JWKS has no keys/],
      [{ key: '{"kty":"oct","k":"c2hvcnQ"}' }, /at least 32 bytes/],
      [{ key: weakRsa.publicKey.export({ type: 'spki', format: 'pem' }).toString() }, /at least 2048 bits/],
      [{ key: '{"kty":"RSA","n":"AQAB","e":"AQAB","alg":"HS256"}' }, /not a usable JWK|cannot verify|2048/],
      [{ key: 'PEM', clockSkewSeconds: -1 }, /./],
      [{ key: 'PEM', audiance: 'x' }, /security\.jwt\.audiance is not a JWT setting/],
    ];
    for (const [jwt, message] of cases) {
      const value = jwt as Record<string, unknown>;
      if (value.key === 'PEM') value.key = keys.rsa.publicPem;
      const run = () => resolveBrokerConfig({ dataDir: '/tmp/x', security: { jwt } } as never);
      expect(run).toThrow(BrokerConfigError);
      expect(run).toThrow(message);
    }
  });

  it('never quote the key in an error', () => {
    const secret = '{"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQ"}';
    expect(() => resolveBrokerConfig({ dataDir: '/tmp/x', security: { jwt: { key: secret } } })).toThrow(
      /^(?!.*c2VjcmV0).*$/s,
    );
  });
});

describe('OAUTHBEARER client message (RFC 7628)', () => {
  it('reads the token and the authzid', () => {
    expect(parseOAuthBearerMessage('n,,\x01auth=Bearer abc.def.ghi\x01\x01')).toEqual({
      token: 'abc.def.ghi',
      authzid: undefined,
    });
    expect(parseOAuthBearerMessage('n,a=alice,\x01host=h\x01port=9092\x01auth=Bearer a.b.c\x01\x01')).toEqual({
      token: 'a.b.c',
      authzid: 'alice',
    });
  });

  it('refuses anything else', () => {
    for (const text of [
      '',
      'n,,',
      'y,,\x01auth=Bearer a\x01\x01',
      'p=tls-unique,,\x01auth=Bearer a\x01\x01',
      'n,,\x01auth=Basic a\x01\x01',
      'n,,\x01auth=Bearer a\x01',
      'n,,auth=Bearer a\x01\x01',
      'n,,\x01host=x\x01\x01',
      'n,,\x01auth=Bearer a\x01auth=Bearer b\x01\x01',
      'n,,\x01auth=Bearer a b\x01\x01',
    ]) {
      expect(parseOAuthBearerMessage(text), JSON.stringify(text)).toBeNull();
    }
  });
});
