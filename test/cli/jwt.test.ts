// The CLI's JWT settings: `sluice serve --jwt-*` and the config file's `security.jwt` (keyFile read by the
// CLI, relative to the file), and `--token-file` on client commands (OAUTHBEARER against a broker).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/lib/errors.js';
import { serveSettings } from '../../cli/serve-config.js';
import { LogCapture, startBroker } from '../helpers/broker.js';
import { makeTestKeys, nowSeconds, signToken, type TestKeys } from '../helpers/jwt.js';
import { removeTempDirs, tempDir } from '../helpers/temp-dir.js';
import { sluice } from './helpers.js';

let keys: TestKeys;
beforeAll(() => {
  keys = makeTestKeys();
});
afterAll(removeTempDirs);

describe('serve JWT settings', () => {
  it('--jwt-* flags read the key file and set issuer, audiences, skew and claim', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'jwks.json'), keys.jwks);
    const s = serveSettings({
      auth: true,
      jwtKey: join(dir, 'jwks.json'),
      jwtIssuer: 'https://issuer.test',
      jwtAudience: ['sluice', 'ops'],
      jwtClockSkew: 5,
      jwtPrincipalClaim: 'email',
    });
    expect(s.options.security?.jwt).toEqual({
      key: keys.jwks,
      issuer: 'https://issuer.test',
      audience: ['sluice', 'ops'],
      clockSkewSeconds: 5,
      principalClaim: 'email',
    });
  });

  it('the config file names a keyFile relative to itself; flags override its settings', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'key.pem'), keys.rsa.publicPem);
    const path = join(dir, 'sluice.json');
    await writeFile(path, JSON.stringify({ security: { jwt: { keyFile: 'key.pem', audience: 'file-aud' } } }));
    const s = serveSettings({ config: path, jwtAudience: ['flag-aud'] });
    expect(s.options.security?.jwt).toEqual({ key: keys.rsa.publicPem, audience: ['flag-aud'] });
  });

  it('one sentence per mistake', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'bad.pem'), 'not a key');
    const cases: Array<[Parameters<typeof serveSettings>[0], RegExp]> = [
      [{ jwtIssuer: 'x' }, /JWT settings need the verification keys: --jwt-key/],
      [{ jwtKey: join(dir, 'missing.pem') }, /cannot read --jwt-key .*missing\.pem \(ENOENT\)/],
      [
        { jwtKey: join(dir, 'bad.pem') },
        /invalid broker setting: security\.jwt\.key is not usable: .*neither PEM nor JSON/,
      ],
    ];
    for (const [flags, message] of cases) {
      expect(() => serveSettings(flags)).toThrow(UsageError);
      expect(() => serveSettings(flags)).toThrow(message);
    }
  });
});

describe('client commands with --token-file', () => {
  it('authenticate with OAUTHBEARER; an expired token fails; the token never reaches the output', async () => {
    const logs = new LogCapture();
    const b = await startBroker({
      dataDir: await tempDir(),
      logger: logs.logger,
      security: { authentication: true, jwt: { key: keys.rsa.publicPem } },
    });
    try {
      const dir = await tempDir();
      const good = await signToken(keys, { sub: 'cli-user' });
      const expired = await signToken(keys, { sub: 'cli-user', exp: nowSeconds() - 3600 });
      await writeFile(join(dir, 'good.jwt'), `${good}\n`);
      await writeFile(join(dir, 'expired.jwt'), expired);
      const broker = ['-b', `127.0.0.1:${b.port}`];
      const created = await sluice(['topics', 'create', 'token-cli', ...broker, '--token-file', join(dir, 'good.jwt')]);
      expect(created.code, created.stderr).toBe(0);
      const listed = await sluice([
        'topics',
        'list',
        ...broker,
        '--sasl-mechanism',
        'oauthbearer',
        '--token-file',
        join(dir, 'good.jwt'),
      ]);
      expect(listed.stdout).toContain('token-cli');
      const refused = await sluice(['topics', 'list', ...broker, '--token-file', join(dir, 'expired.jwt')]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/invalid credentials|refused the token/);
      const mixed = await sluice([
        'topics',
        'list',
        ...broker,
        '--sasl-mechanism',
        'scram-sha-256',
        '--token-file',
        join(dir, 'good.jwt'),
      ]);
      expect(mixed.code).toBe(2);
      expect(mixed.stderr).toMatch(/--token-file goes with --sasl-mechanism oauthbearer/);
      for (const text of [created, listed, refused, mixed]
        .flatMap((r) => [r.stdout, r.stderr])
        .concat(JSON.stringify(logs.lines))) {
        expect(text).not.toContain(good.split('.')[2]);
        expect(text).not.toContain(expired.split('.')[2]);
      }
    } finally {
      await b.stop();
    }
  }, 120_000);
});
