// The tls settings as a user writes them: validated once with one sentence per mistake, and the principal
// mapping rules (Kafka's ssl.principal.mapping.rules) mapping subjects as Kafka does.
import { describe, expect, it } from 'vitest';
import { BrokerConfigError, resolveBrokerConfig } from '../../../../src/broker/index.js';
import { mapSubject, parsePrincipalMappingRules } from '../../../../src/broker/security/tls/principal-mapping.js';

const files = { cert: '/etc/sluice/cert.pem', key: '/etc/sluice/key.pem' };

function tlsError(tls: unknown): string {
  try {
    resolveBrokerConfig({ dataDir: '/tmp/x', tls: tls as never });
  } catch (error) {
    expect(error).toBeInstanceOf(BrokerConfigError);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

describe('tls settings', () => {
  it('defaults: no TLS; with a ca, client certificates are required', () => {
    expect(resolveBrokerConfig({ dataDir: '/tmp/x' }).tls).toBeNull();
    expect(resolveBrokerConfig({ dataDir: '/tmp/x', tls: { port: 0, ...files } }).tls).toMatchObject({
      port: 0,
      kafkaPort: null,
      clientAuth: 'none',
      ca: null,
    });
    expect(
      resolveBrokerConfig({ dataDir: '/tmp/x', tls: { kafkaPort: 9093, ...files, ca: '/etc/ca.pem' } }).tls,
    ).toMatchObject({ kafkaPort: 9093, clientAuth: 'required' });
  });

  it('refuses what cannot work, saying what to set', () => {
    expect(tlsError({ ...files })).toMatch(/tls needs a listener: set tls.port .* or tls.kafkaPort/);
    expect(tlsError({ port: 0 })).toMatch(/needs tls.cert and tls.key/);
    expect(tlsError({ port: 0, ...files, clientAuth: 'required' })).toMatch(/there is no tls.ca/);
    expect(tlsError({ port: 0, ...files, clientAuth: 'maybe' })).toMatch(/clientAuth must be one of/);
    expect(tlsError({ port: 70000, ...files })).toMatch(/tls.port must be a port/);
    expect(tlsError({ port: 9650, ...files })).toMatch(/must differ from the plaintext listeners' ports/);
    expect(tlsError({ port: 9443, kafkaPort: 9443, ...files })).toMatch(/must differ from tls.port/);
    expect(tlsError({ port: 0, ...files, verify: true })).toMatch(/tls.verify is not a TLS setting/);
    expect(tlsError({ port: 0, ...files, principalMappingRules: ['CN'] })).toMatch(/DEFAULT.*RULE:/);
    expect(tlsError({ port: 0, ...files, principalMappingRules: ['RULE:([/x/'] })).toMatch(/does not compile/);
  });
});

describe('principal mapping rules', () => {
  const dn = 'CN=Carol Smith,OU=eng,O=Acme,C=GB';

  it('DEFAULT is the whole DN', () => {
    expect(mapSubject(dn, parsePrincipalMappingRules(['DEFAULT']))).toBe(dn);
  });

  it('RULE extracts with groups and cases, the first rule that matches wins', () => {
    const rules = parsePrincipalMappingRules([
      'RULE:^CN=([^,]+),OU=ops,.*$/ops-$1/',
      'RULE:^CN=([^,]+),OU=([^,]+),.*$/$1@$2/L',
      'DEFAULT',
    ]);
    expect(mapSubject(dn, rules)).toBe('carol smith@eng');
    expect(mapSubject('CN=dave,OU=ops,O=Acme', rules)).toBe('ops-dave');
    expect(mapSubject('O=NoCommonName', rules)).toBe('O=NoCommonName');
    expect(mapSubject(dn, parsePrincipalMappingRules(['RULE:^CN=([^,]+).*$/$1/U']))).toBe('CAROL SMITH');
  });

  it('a subject no rule applies to has no principal', () => {
    expect(mapSubject('O=Acme', parsePrincipalMappingRules(['RULE:^CN=([^,]+).*$/$1/']))).toBeNull();
  });

  it('an escaped slash belongs to the regex or the replacement', () => {
    expect(mapSubject('CN=a/b,O=x', parsePrincipalMappingRules(['RULE:^CN=([^,]+),O=x$/$1\\/x/']))).toBe('a/b/x');
  });
});
