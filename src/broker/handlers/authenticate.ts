// Authenticate: one round of the chosen SASL mechanism, run by the connection's authentication session,
// which sets the connection's principal when the exchange succeeds (src/broker/security/auth/session.ts).
import { AuthenticateApi, ErrorCode } from '../../protocol/index.js';
import { defineHandler } from './types.js';

export const authenticateHandler = defineHandler(AuthenticateApi, async (request, broker, ctx) => {
  const session = broker.authenticator.sessionOf(ctx.connectionId);
  const answer = await session.authenticate(request.authBytes, ctx.header.clientId ?? null);
  return {
    errorCode: ErrorCode[answer.errorCode],
    errorMessage: answer.message,
    authBytes: answer.authBytes,
    sessionLifetimeMs: answer.sessionLifetimeMs,
  };
});
