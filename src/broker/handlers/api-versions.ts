// ApiVersions: the APIs and versions this broker serves (exactly the registered handlers).
import { ApiVersionsApi, ErrorCode } from '../../protocol/index.js';
import { defineHandler } from './types.js';

export const apiVersionsHandler = defineHandler(ApiVersionsApi, (_request, broker) => ({
  errorCode: ErrorCode.NONE,
  apiVersions: broker.apiVersions(),
  brokerVersion: broker.brokerVersion,
}));
