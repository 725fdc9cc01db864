// ApiVersions: the API keys and version ranges this listener serves (the registry's). Versions 0-3;
// librdkafka's v3 request is flexible, its response header stays v0 (frames.ts).
import { ErrorCode } from '../../../protocol/index.js';
import { ApiVersions } from '../../../protocol/kafka/index.js';
import { kafkaHandler } from '../handler.js';

export const apiVersionsHandler = kafkaHandler(ApiVersions, (_request, _broker, ctx) => ({
  errorCode: ErrorCode.NONE,
  apiKeys: [...ctx.listener.apiVersions()],
  throttleTimeMs: 0,
}));
