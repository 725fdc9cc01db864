// The `security` section of the broker's options: defaults, normalisation and one sentence per mistake.
import { describe, expect, it } from 'vitest';
import { BrokerConfigError, resolveBrokerConfig } from '../../../src/broker/index.js';

describe('security config', () => {
  it('is all off by default', () => {
    const config = resolveBrokerConfig({ dataDir: '/tmp/x' });
    expect(config.security).toEqual({
      authentication: false,
      authorization: false,
      superUsers: [],
      insecureAllowAnonymous: false,
      jwt: null,
    });
  });

  it('normalises super users to "User:name" and drops duplicates', () => {
    const config = resolveBrokerConfig({
      dataDir: '/tmp/x',
      security: { authentication: true, authorization: true, superUsers: ['admin', 'User:admin', 'User:ops'] },
    });
    expect(config.security).toEqual({
      authentication: true,
      authorization: true,
      superUsers: ['User:admin', 'User:ops'],
      insecureAllowAnonymous: false,
      jwt: null,
    });
    expect(Object.isFrozen(config.security)).toBe(true);
  });

  it('refuses a mistake with a sentence naming the setting', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ authentication: 'yes' }, /security\.authentication must be true or false/],
      [{ superUsers: 'admin' }, /security\.superUsers must be a list/],
      [{ superUsers: [''] }, /security\.superUsers must hold non-empty/],
      [{ superUsers: ['User:'] }, /principal is written/],
      [{ authenticaton: true }, /security\.authenticaton is not a security setting/],
    ];
    for (const [security, message] of cases) {
      const run = () => resolveBrokerConfig({ dataDir: '/tmp/x', security } as never);
      expect(run).toThrow(BrokerConfigError);
      expect(run).toThrow(message);
    }
  });
});

describe('protected mode', () => {
  it('refuses a non-loopback address without authentication, in one sentence saying why and how', () => {
    for (const host of ['0.0.0.0', '::', '10.1.2.3']) {
      const run = () => resolveBrokerConfig({ dataDir: '/tmp/x', host });
      expect(run).toThrow(BrokerConfigError);
      expect(run).toThrow(
        `refusing to listen on ${host} without authentication: anyone who can reach it could read, write and delete every topic; turn authentication on (sluice serve --auth, after sluice users add <name> --data-dir <dir>) or, to accept anonymous clients on purpose, pass --insecure-allow-anonymous (security.insecureAllowAnonymous)`,
      );
    }
  });

  it('starts on loopback, with authentication, or when told to accept anonymous clients', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost'])
      expect(resolveBrokerConfig({ dataDir: '/tmp/x', host }).host).toBe(host);
    expect(resolveBrokerConfig({ dataDir: '/tmp/x', host: '0.0.0.0', security: { authentication: true } }).host).toBe(
      '0.0.0.0',
    );
    expect(
      resolveBrokerConfig({ dataDir: '/tmp/x', host: '0.0.0.0', security: { insecureAllowAnonymous: true } }).host,
    ).toBe('0.0.0.0');
  });
});
