// The SDK's SASL: kafkajs's `sasl` option (same shapes), validated once, and the exchange a connection runs
// right after ApiVersions (SaslHandshake, then Authenticate rounds). The password and token stay in this
// file's closures: no error, log line or event carries them.
import { AuthenticateApi } from '../protocol/apis/authenticate.js';
import { SaslHandshakeApi } from '../protocol/apis/sasl-handshake.js';
import type { ApiSpec } from '../protocol/api-keys.js';
import { ScramClientExchange, type ScramMechanism } from '../protocol/sasl/scram.js';
import { KafkaJSSASLAuthenticationError, SluiceNonRetriableError, SluiceProtocolError } from './errors.js';

/** The mechanisms the SDK speaks, as kafkajs names them. */
export type ClientSaslMechanism = 'scram-sha-256' | 'scram-sha-512' | 'plain' | 'oauthbearer';

export interface ClientSasl {
  readonly mechanism: ClientSaslMechanism;
  readonly username?: string;
  readonly password?: string;
  readonly oauthBearerProvider?: () => Promise<{ value: string }>;
}

const WIRE_NAMES: Record<ClientSaslMechanism, string> = {
  'scram-sha-256': 'SCRAM-SHA-256',
  'scram-sha-512': 'SCRAM-SHA-512',
  plain: 'PLAIN',
  oauthbearer: 'OAUTHBEARER',
};

/** Validates kafkajs's `sasl` option (kafkajs-types.ts's SASLOptions); the error names what is wrong, never a value. */
export function resolveSasl(sasl: unknown): ClientSasl | undefined {
  if (sasl === undefined) return undefined;
  if (typeof sasl !== 'object' || sasl === null) throw new SluiceNonRetriableError('sasl must be an object');
  const mechanism = String((sasl as { mechanism?: unknown }).mechanism ?? '').toLowerCase() as ClientSaslMechanism;
  if (!(mechanism in WIRE_NAMES))
    throw new SluiceNonRetriableError(
      `SASL mechanism ${JSON.stringify((sasl as { mechanism?: unknown }).mechanism)} is not supported (scram-sha-256, scram-sha-512, plain, oauthbearer)`,
    );
  if (mechanism === 'oauthbearer') {
    const provider = (sasl as { oauthBearerProvider?: unknown }).oauthBearerProvider;
    if (typeof provider !== 'function')
      throw new SluiceNonRetriableError('sasl.oauthBearerProvider must be a function resolving to { value: token }');
    return Object.freeze({ mechanism, oauthBearerProvider: provider as ClientSasl['oauthBearerProvider'] });
  }
  const { username, password } = sasl as { username?: unknown; password?: unknown };
  if (typeof username !== 'string' || username.length === 0)
    throw new SluiceNonRetriableError(`sasl.username must be a non-empty string for ${mechanism}`);
  if (typeof password !== 'string' || password.length === 0)
    throw new SluiceNonRetriableError(`sasl.password must be a non-empty string for ${mechanism}`);
  return Object.freeze({ mechanism, username, password });
}

type Send = <Req, Res>(api: ApiSpec<Req, Res>, request: Req) => Promise<Res>;

function failed(broker: string, mechanism: string, why: string, cause?: unknown): KafkaJSSASLAuthenticationError {
  return new KafkaJSSASLAuthenticationError(`SASL ${mechanism} authentication with ${broker} failed: ${why}`, {
    cause,
  });
}

/**
 * Authenticates a connection (after ApiVersions). Resolves with the session lifetime the broker granted
 * (ms, 0: no limit); rejects with a non-retriable KafkaJSSASLAuthenticationError.
 */
export async function authenticate(send: Send, sasl: ClientSasl, broker: string): Promise<number> {
  const mechanism = WIRE_NAMES[sasl.mechanism];
  const round = async (bytes: Buffer): Promise<{ bytes: Buffer; lifetime: number }> => {
    let response;
    try {
      response = await send(AuthenticateApi, { authBytes: bytes });
    } catch (error) {
      if (error instanceof SluiceProtocolError) throw failed(broker, mechanism, error.message, error);
      throw error;
    }
    if (response.errorCode !== 0) throw failed(broker, mechanism, response.errorMessage ?? 'refused');
    return { bytes: response.authBytes, lifetime: response.sessionLifetimeMs };
  };
  const handshake = await send(SaslHandshakeApi, { mechanism }).catch((error: unknown) => {
    if (error instanceof SluiceProtocolError) throw failed(broker, mechanism, error.message, error);
    throw error;
  });
  if (handshake.errorCode !== 0)
    throw failed(broker, mechanism, handshake.errorMessage ?? `the broker accepts ${handshake.mechanisms.join(', ')}`);
  if (sasl.mechanism === 'plain') {
    return (await round(Buffer.from(`\0${sasl.username}\0${sasl.password}`, 'utf8'))).lifetime;
  }
  if (sasl.mechanism === 'oauthbearer') {
    let token: string;
    try {
      token = (await sasl.oauthBearerProvider!()).value;
    } catch (error) {
      throw failed(broker, mechanism, `oauthBearerProvider failed: ${(error as Error).message}`);
    }
    if (typeof token !== 'string' || token.length === 0)
      throw failed(broker, mechanism, 'oauthBearerProvider resolved without a token (value)');
    const answer = await round(Buffer.from(`n,,\x01auth=Bearer ${token}\x01\x01`, 'utf8'));
    if (answer.bytes.length === 0) return answer.lifetime;
    // RFC 7628 §3.2.2: the broker refused the token with an error JSON; a lone kvsep ends the exchange, and
    // the broker answers it with its failure.
    await round(Buffer.from('\x01', 'utf8'));
    throw failed(broker, mechanism, `the broker refused the token (${answer.bytes.toString('utf8').slice(0, 200)})`);
  }
  const scram = new ScramClientExchange(mechanism as ScramMechanism, sasl.username!, sasl.password!);
  const serverFirst = await round(Buffer.from(scram.first(), 'utf8'));
  let clientFinal: string;
  try {
    clientFinal = scram.final(serverFirst.bytes.toString('utf8'));
  } catch (error) {
    throw failed(broker, mechanism, (error as Error).message);
  }
  const serverFinal = await round(Buffer.from(clientFinal, 'utf8'));
  try {
    scram.verify(serverFinal.bytes.toString('utf8'));
  } catch (error) {
    throw failed(broker, mechanism, (error as Error).message);
  }
  return serverFinal.lifetime;
}
