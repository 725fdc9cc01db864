// DescribeAcls (29): the ACL bindings matching a filter, grouped by resource pattern. v1 adds pattern types
// (before it every pattern is literal); v2 is flexible; v3 only adds the USER resource type (not served).
import { api } from '../api.js';
import { array, int8, int16, int32, message, string, struct } from '../schema.js';

export const DescribeAclsRequest = message({
  name: 'DescribeAclsRequest',
  type: 'request',
  apiKey: 29,
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: {
    resourceTypeFilter: int8(),
    resourceNameFilter: string({ nullableVersions: '0+' }),
    patternTypeFilter: int8({ versions: '1+', default: 3 }),
    principalFilter: string({ nullableVersions: '0+' }),
    hostFilter: string({ nullableVersions: '0+' }),
    operation: int8(),
    permissionType: int8(),
  },
});

export const DescribeAclsResponse = message({
  name: 'DescribeAclsResponse',
  type: 'response',
  apiKey: 29,
  validVersions: '0-3',
  flexibleVersions: '2+',
  fields: {
    throttleTimeMs: int32(),
    errorCode: int16(),
    errorMessage: string({ nullableVersions: '0+' }),
    resources: array(
      struct({
        resourceType: int8(),
        resourceName: string(),
        patternType: int8({ versions: '1+', default: 3 }),
        acls: array(struct({ principal: string(), host: string(), operation: int8(), permissionType: int8() })),
      }),
    ),
  },
});

export const DescribeAcls = api({
  key: 29,
  name: 'DescribeAcls',
  request: DescribeAclsRequest,
  response: DescribeAclsResponse,
  served: '0-3',
  why: 'kafkajs sends v1, librdkafka and Kafka tools v2-3',
});
