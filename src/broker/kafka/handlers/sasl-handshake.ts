// SaslHandshake (v0-1): the connection's authentication session (src/broker/security/auth/session.ts) picks
// the mechanism. v1 (every client this listener serves: kafkajs, librdkafka, the Java client) continues in
// SaslAuthenticate; v0's raw SASL tokens without a request header are not read (the connection closes).
import { ErrorCode } from '../../../protocol/index.js';
import { SaslHandshake } from '../../../protocol/kafka/index.js';
import { kafkaHandler } from '../handler.js';

export const kafkaSaslHandshakeHandler = kafkaHandler(SaslHandshake, (request, broker, ctx) => {
  const answer = broker.authenticator.sessionOf(ctx.connectionId).handshake(request.mechanism);
  return { errorCode: ErrorCode[answer.errorCode], mechanisms: answer.mechanisms };
});
