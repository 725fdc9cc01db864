// FetchPushCredit: adds credit to, or ends, one of this connection's FetchPush streams (push.ts). Never
// answered; an id with no open stream (it has ended meanwhile) is ignored.
import { FetchPushCreditApi } from '../../protocol/index.js';
import { defineHandler, NO_RESPONSE } from '../handlers/types.js';

export const fetchPushCreditHandler = defineHandler(FetchPushCreditApi, (request, broker, ctx) => {
  const stream = broker.fetchSessions.streamOf(ctx.connectionId, request.streamId);
  if (stream) {
    stream.grant(request.creditBytes);
    if (request.end) stream.end();
  }
  return NO_RESPONSE;
});
