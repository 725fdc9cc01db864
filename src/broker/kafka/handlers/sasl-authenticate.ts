// SaslAuthenticate (v0-2): one round of the chosen mechanism, served by the native door's Authenticate
// handler (the connection's authentication session sets its principal when the exchange succeeds). v1+
// carries the session lifetime (KIP-368): clients re-authenticate before it runs out.
import { SaslAuthenticate } from '../../../protocol/kafka/index.js';
import { authenticateHandler } from '../../handlers/authenticate.js';
import { kafkaHandler, nativeAnswer } from '../handler.js';

export const kafkaSaslAuthenticateHandler = kafkaHandler(SaslAuthenticate, (request, broker, ctx) =>
  nativeAnswer(authenticateHandler, { authBytes: request.authBytes }, broker, ctx),
);
