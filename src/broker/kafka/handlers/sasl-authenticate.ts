// SaslAuthenticate (v0-2): one round of the chosen mechanism, run by the connection's authentication
// session, which sets the connection's principal when the exchange succeeds. v1+ carries the session
// lifetime (KIP-368): clients re-authenticate before it runs out.
import { ErrorCode } from '../../../protocol/index.js';
import { SaslAuthenticate } from '../../../protocol/kafka/index.js';
import { kafkaHandler } from '../handler.js';

export const kafkaSaslAuthenticateHandler = kafkaHandler(SaslAuthenticate, async (request, broker, ctx) => {
  const session = broker.authenticator.sessionOf(ctx.connectionId);
  const answer = await session.authenticate(request.authBytes, ctx.header.clientId ?? null);
  return {
    errorCode: ErrorCode[answer.errorCode],
    errorMessage: answer.message,
    authBytes: answer.authBytes,
    sessionLifetimeMs: answer.sessionLifetimeMs,
  };
});
