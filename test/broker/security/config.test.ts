// The `security` section of the broker's options: defaults, normalisation and one sentence per mistake.
import { describe, expect, it } from 'vitest';
import { BrokerConfigError, resolveBrokerConfig } from '../../../src/broker/index.js';

describe('security config', () => {
  it('is all off by default', () => {
    const config = resolveBrokerConfig({ dataDir: '/tmp/x' });
    expect(config.security).toEqual({ authentication: false, authorization: false, superUsers: [] });
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
