// From a client certificate's subject to a principal name, as Kafka's ssl.principal.mapping.rules does it.
// The subject is written as an RFC 2253 distinguished name, most specific part first:
// "CN=alice,OU=eng,O=Acme,C=GB". Rules are tried in order; the first that applies gives the name:
//
//   DEFAULT                        the whole DN
//   RULE:<regex>/<replacement>/    when <regex> matches the whole DN: the DN with it replaced ($1, $2, …
//                                  are its groups); a trailing L or U lower- or upper-cases the result
//
// "/" inside a regex or replacement is written "\/". A subject no rule applies to (or that maps to an empty
// name) has no principal: the connection is refused.
import type { X509Certificate } from 'node:crypto';

export type PrincipalMappingRule =
  | { readonly kind: 'default' }
  | { readonly kind: 'rule'; readonly pattern: RegExp; readonly replacement: string; readonly case: '' | 'L' | 'U' };

/** Splits on "/" not escaped as "\/"; the pieces keep no escapes. */
function splitUnescaped(text: string): string[] {
  const parts: string[] = [''];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && text[i + 1] === '/') {
      parts[parts.length - 1] += '/';
      i++;
    } else if (text[i] === '/') parts.push('');
    else parts[parts.length - 1] += text[i];
  }
  return parts;
}

function parseRule(text: string): PrincipalMappingRule {
  const trimmed = text.trim();
  if (trimmed === 'DEFAULT') return Object.freeze({ kind: 'default' });
  if (!trimmed.startsWith('RULE:'))
    throw new Error(`a rule is "DEFAULT" or "RULE:<regex>/<replacement>/[L|U]", got ${JSON.stringify(text)}`);
  const parts = splitUnescaped(trimmed.slice('RULE:'.length));
  const flag = parts[2];
  if (parts.length !== 3 || (flag !== '' && flag !== 'L' && flag !== 'U'))
    throw new Error(`a rule is "RULE:<regex>/<replacement>/[L|U]", got ${JSON.stringify(text)}`);
  let pattern: RegExp;
  try {
    pattern = new RegExp(`^(?:${parts[0]})$`);
  } catch (error) {
    throw new Error(`the regex of ${JSON.stringify(text)} does not compile: ${(error as Error).message}`);
  }
  return Object.freeze({ kind: 'rule', pattern, replacement: parts[1]!, case: flag });
}

export function parsePrincipalMappingRules(rules: unknown): readonly PrincipalMappingRule[] {
  if (!Array.isArray(rules) || rules.length === 0 || rules.some((r) => typeof r !== 'string'))
    throw new Error('must be a non-empty list of rules ("DEFAULT", "RULE:<regex>/<replacement>/[L|U]")');
  return Object.freeze(rules.map(parseRule));
}

/** The principal name of a subject DN, or null when no rule applies or the name would be empty. */
export function mapSubject(dn: string, rules: readonly PrincipalMappingRule[]): string | null {
  for (const rule of rules) {
    if (rule.kind === 'default') return dn.length > 0 ? dn : null;
    if (!rule.pattern.test(dn)) continue;
    let name = dn.replace(rule.pattern, rule.replacement);
    if (rule.case === 'L') name = name.toLowerCase();
    else if (rule.case === 'U') name = name.toUpperCase();
    return name.length > 0 ? name : null;
  }
  return null;
}

/**
 * A certificate's subject as an RFC 2253 DN. Node gives it one attribute per line in certificate order
 * (least specific first), values already escaped; RFC 2253 (and Kafka) writes them in reverse, comma-separated.
 */
export function subjectDn(certificate: X509Certificate): string {
  return certificate.subject
    .split('\n')
    .filter((part) => part.length > 0)
    .reverse()
    .join(',');
}
