// SaslHandshake: the connection's authentication session (src/broker/security/auth/session.ts) picks the
// mechanism, or says which ones this listener accepts.
import { ErrorCode, SaslHandshakeApi } from '../../protocol/index.js';
import { defineHandler } from './types.js';

export const saslHandshakeHandler = defineHandler(SaslHandshakeApi, (request, broker, ctx) => {
  const answer = broker.authenticator.sessionOf(ctx.connectionId).handshake(request.mechanism);
  return { errorCode: ErrorCode[answer.errorCode], errorMessage: answer.message, mechanisms: answer.mechanisms };
});
