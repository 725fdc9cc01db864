// The fields of an ACL binding and of an ACL filter, shared by the native ACL APIs (CreateAcls,
// DescribeAcls, DeleteAcls). The names are Kafka's concepts in Sluice's spelling; the broker's authorizer
// (src/broker/security/acl/) uses these same lists.
import { oneOf, string, struct } from '../schema.js';

export const ACL_RESOURCE_TYPES = ['topic', 'group', 'cluster', 'transactional-id'] as const;
export const ACL_PATTERN_TYPES = ['literal', 'prefixed'] as const;
export const ACL_OPERATIONS = [
  'All',
  'Read',
  'Write',
  'Create',
  'Delete',
  'Alter',
  'Describe',
  'ClusterAction',
  'DescribeConfigs',
  'AlterConfigs',
  'IdempotentWrite',
] as const;
export const ACL_PERMISSIONS = ['allow', 'deny'] as const;

/** One ACL: `principal` on `host` is allowed or denied `operation` on the resource pattern. */
export const aclBinding = () =>
  struct({
    principal: string({ maxLength: 1024, doc: '"User:alice", or "User:*" for every principal' }),
    host: string({ maxLength: 255, doc: 'a client address, or "*" for any' }),
    resourceType: oneOf(ACL_RESOURCE_TYPES),
    resourceName: string({ maxLength: 1024, doc: '"kafka-cluster" for the cluster; a literal "*" is every name' }),
    patternType: oneOf(ACL_PATTERN_TYPES),
    operation: oneOf(ACL_OPERATIONS),
    permission: oneOf(ACL_PERMISSIONS),
  });

/** Which ACLs to list or delete: nil fields match anything; patternType 'match' = every pattern covering resourceName. */
export const aclFilter = () =>
  struct({
    principal: string({ maxLength: 1024, nullableVersions: '0+' }),
    host: string({ maxLength: 255, nullableVersions: '0+' }),
    resourceType: oneOf(ACL_RESOURCE_TYPES, { nullableVersions: '0+' }),
    resourceName: string({ maxLength: 1024, nullableVersions: '0+' }),
    patternType: oneOf([...ACL_PATTERN_TYPES, 'match'], { nullableVersions: '0+' }),
    operation: oneOf(ACL_OPERATIONS, { nullableVersions: '0+' }),
    permission: oneOf(ACL_PERMISSIONS, { nullableVersions: '0+' }),
  });
