// CreateAcls (30): adds ACL bindings, one result per creation in request order. v1 adds the resource
// pattern type (before it every pattern is literal); v2 is flexible; v3 only adds the USER resource type.
import { api } from '../api.js';
import { array, int8, int16, int32, message, string, struct } from '../schema.js';

export const CreateAclsRequest = message({
  name: 'CreateAclsRequest',
  type: 'request',
  apiKey: 30,
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: {
    creations: array(
      struct({
        resourceType: int8(),
        resourceName: string(),
        resourcePatternType: int8({ versions: '1+', default: 3 }),
        principal: string(),
        host: string(),
        operation: int8(),
        permissionType: int8(),
      }),
    ),
  },
});

export const CreateAclsResponse = message({
  name: 'CreateAclsResponse',
  type: 'response',
  apiKey: 30,
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: {
    throttleTimeMs: int32(),
    results: array(struct({ errorCode: int16(), errorMessage: string({ nullableVersions: '0+' }) })),
  },
});

export const CreateAcls = api({
  key: 30,
  name: 'CreateAcls',
  request: CreateAclsRequest,
  response: CreateAclsResponse,
  served: '0-3',
  why: 'kafkajs sends v1, librdkafka and Kafka tools v2-3',
});
