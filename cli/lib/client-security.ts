// The CLI's client-side security flags (every command that talks to a broker): SASL and TLS for the SDK
// client. The password comes from SLUICE_PASSWORD or --password-file, never from the command line (argv is
// visible to every user of the machine); it goes to the SDK and nowhere else.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Option, type Command } from 'commander';
import type { SASLOptions } from '../../src/client/kafkajs-types.js';
import { UsageError } from './errors.js';

export const SASL_MECHANISMS = ['scram-sha-256', 'scram-sha-512', 'plain', 'oauthbearer'] as const;
type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export interface ClientSecurityFlags {
  saslMechanism?: SaslMechanism;
  username?: string;
  passwordFile?: string;
  tokenFile?: string;
  tls?: boolean;
  ca?: string;
  cert?: string;
  key?: string;
}

export interface ClientSecurity {
  sasl?: SASLOptions;
  ssl?: ConnectionOptions | true;
}

export function withClientSecurity(cmd: Command): Command {
  const mechanism = new Option('--sasl-mechanism <mechanism>', 'authenticate with SASL').choices(SASL_MECHANISMS);
  return cmd
    .addOption(mechanism.env('SLUICE_SASL_MECHANISM'))
    .addOption(new Option('--username <name>', 'SASL user name').env('SLUICE_USERNAME'))
    .option('--password-file <file>', 'read the SASL password from this file (else SLUICE_PASSWORD)')
    .option(
      '--token-file <file>',
      'JWT bearer token for --sasl-mechanism oauthbearer (implied); re-read at every (re-)authentication',
    )
    .option('--tls', 'connect with TLS')
    .option('--ca <file>', 'PEM file of the CA that signed the broker’s certificate (implies --tls)')
    .option('--cert <file>', 'PEM client certificate for mutual TLS (implies --tls)')
    .option('--key <file>', 'PEM private key of --cert');
}

function readPem(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${flag} ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** Builds the SDK's sasl/ssl options from the flags and environment; one sentence per mistake. */
export function clientSecurity(flags: ClientSecurityFlags, env: NodeJS.ProcessEnv = process.env): ClientSecurity {
  const out: ClientSecurity = {};
  if (flags.tokenFile !== undefined || flags.saslMechanism === 'oauthbearer') {
    if (flags.saslMechanism !== undefined && flags.saslMechanism !== 'oauthbearer')
      throw new UsageError(`--token-file goes with --sasl-mechanism oauthbearer, not ${flags.saslMechanism}`);
    if (flags.tokenFile === undefined) throw new UsageError('--sasl-mechanism oauthbearer needs --token-file <file>');
    if (flags.username !== undefined || flags.passwordFile !== undefined)
      throw new UsageError('--token-file authenticates with the token: --username and --password-file do not apply');
    const tokenFile = flags.tokenFile;
    readPem('--token-file', tokenFile);
    // Read at each (re-)authentication: a token refreshed in the file by another process is picked up.
    out.sasl = {
      mechanism: 'oauthbearer',
      oauthBearerProvider: async () => ({ value: readPem('--token-file', tokenFile).trim() }),
    } as SASLOptions;
  } else if (flags.saslMechanism !== undefined) {
    if (!flags.username) throw new UsageError('--sasl-mechanism needs --username (or SLUICE_USERNAME)');
    let password: string | undefined;
    if (flags.passwordFile !== undefined) password = readPem('--password-file', flags.passwordFile).split(/\r?\n/)[0];
    else password = env.SLUICE_PASSWORD;
    if (!password)
      throw new UsageError(
        'no password: set SLUICE_PASSWORD or pass --password-file <file> (it is never read from the command line)',
      );
    out.sasl = { mechanism: flags.saslMechanism, username: flags.username, password } as SASLOptions;
  } else if (flags.username !== undefined || flags.passwordFile !== undefined) {
    throw new UsageError('--username and --password-file need --sasl-mechanism');
  }
  if ((flags.cert === undefined) !== (flags.key === undefined))
    throw new UsageError('--cert and --key go together (a client certificate and its private key)');
  if (flags.tls || flags.ca !== undefined || flags.cert !== undefined) {
    const ssl: ConnectionOptions = {};
    if (flags.ca !== undefined) ssl.ca = readPem('--ca', flags.ca);
    if (flags.cert !== undefined) ssl.cert = readPem('--cert', flags.cert);
    if (flags.key !== undefined) ssl.key = readPem('--key', flags.key);
    out.ssl = Object.keys(ssl).length === 0 ? true : ssl;
  }
  return out;
}
