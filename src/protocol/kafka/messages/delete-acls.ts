// DeleteAcls (31): removes every ACL binding each filter matches, answering per filter the bindings it
// removed. v1 adds pattern type filters; v2 is flexible; v3 only adds the USER resource type.
import { api } from '../api.js';
import { array, int8, int16, int32, message, string, struct } from '../schema.js';

export const DeleteAclsRequest = message({
  name: 'DeleteAclsRequest',
  type: 'request',
  apiKey: 31,
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: {
    filters: array(
      struct({
        resourceTypeFilter: int8(),
        resourceNameFilter: string({ nullableVersions: '0+' }),
        patternTypeFilter: int8({ versions: '1+', default: 3 }),
        principalFilter: string({ nullableVersions: '0+' }),
        hostFilter: string({ nullableVersions: '0+' }),
        operation: int8(),
        permissionType: int8(),
      }),
    ),
  },
});

export const DeleteAclsResponse = message({
  name: 'DeleteAclsResponse',
  type: 'response',
  apiKey: 31,
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: {
    throttleTimeMs: int32(),
    filterResults: array(
      struct({
        errorCode: int16(),
        errorMessage: string({ nullableVersions: '0+' }),
        matchingAcls: array(
          struct({
            errorCode: int16(),
            errorMessage: string({ nullableVersions: '0+' }),
            resourceType: int8(),
            resourceName: string(),
            patternType: int8({ versions: '1+', default: 3 }),
            principal: string(),
            host: string(),
            operation: int8(),
            permissionType: int8(),
          }),
        ),
      }),
    ),
  },
});

export const DeleteAcls = api({
  key: 31,
  name: 'DeleteAcls',
  request: DeleteAclsRequest,
  response: DeleteAclsResponse,
  served: '0-3',
  why: 'kafkajs sends v1, librdkafka and Kafka tools v2-3',
});
