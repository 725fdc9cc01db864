// A cluster's users, ACLs and client quotas read and changed in its etcd directly (`sluice users --cluster`,
// `sluice acls --etcd`, `sluice quotas --cluster`), whether or not a broker runs: through the same stores the
// brokers keep them with (UserStore, Authorizer, QuotaStore over shared entries) and written as the brokers
// write them (compare-and-swap per entry, src/broker/cluster/security-state.ts), so every broker follows the
// change through its watch. ACLs and quotas are offered in the SDK admin's shapes, so `sluice acls` and
// `sluice quotas` print the same whichever place they changed.
import { EtcdClient } from '../../src/broker/cluster/etcd-client.js';
import { ClusterKeys } from '../../src/broker/cluster/keys.js';
import { EtcdSecurityEntries, type SecurityKind } from '../../src/broker/cluster/security-state.js';
import { Authorizer } from '../../src/broker/security/acl/authorizer.js';
import { aclFilterOf } from '../../src/broker/security/acl/filters.js';
import { UserStore } from '../../src/broker/security/auth/users.js';
import { QuotaStore } from '../../src/broker/security/quotas/quota-store.js';
import type { QuotaFilterComponent, QuotaOp } from '../../src/broker/security/quotas/types.js';
import { type SharedEntries, SharedStateUnavailable } from '../../src/broker/security/shared-entries.js';
import { bindingOf, deleteAclResponseOf, describeAclResponseOf, filterOf } from '../../src/client/admin-acls.js';
import type { ClusterTarget } from './cluster-option.js';
import { CliError } from './errors.js';
import type { AdminClient } from './sdk.js';

export type AclAdmin = Pick<AdminClient, 'createAcls' | 'describeAcls' | 'deleteAcls'>;
export type QuotaAdmin = Pick<AdminClient, 'describeClientQuotas' | 'alterClientQuotas'>;

/** The entries of one kind in the cluster's etcd, as they are now, and the way to change them. */
async function sharedEntriesOf(
  target: ClusterTarget,
  kind: SecurityKind,
): Promise<{ shared: SharedEntries; current: Map<string, string> }> {
  const entries = new EtcdSecurityEntries(
    new EtcdClient({ endpoints: target.endpoints, requestTimeoutMs: 5000 }),
    new ClusterKeys(target.name),
    kind,
  );
  const { entries: current } = await entries.readAll().catch(unavailable);
  return {
    shared: {
      read: (ids) => entries.read(ids),
      // Nothing here follows a watch: a change is done once etcd took it.
      write: async (changes, expected) => (await entries.writeChunks(changes, expected)) !== undefined,
    },
    current,
  };
}

/** etcd out of reach, or the entries changed under the command too often: one sentence. */
export function unavailable(error: unknown): never {
  if (error instanceof SharedStateUnavailable) throw new CliError(error.message);
  throw error;
}

export async function clusterUserStore(target: ClusterTarget): Promise<UserStore> {
  const { shared, current } = await sharedEntriesOf(target, 'users');
  return UserStore.ofShared(shared, current);
}

export async function clusterAclAdmin(target: ClusterTarget): Promise<AclAdmin> {
  const { shared, current } = await sharedEntriesOf(target, 'acls');
  const acls = Authorizer.ofShared(shared, current);
  return {
    createAcls: async ({ acl }) => {
      const results = await acls.create(acl.map(bindingOf)).catch(unavailable);
      const refused = results.find((r) => !r.ok);
      if (refused && !refused.ok) throw new CliError(`the ACL was refused: ${refused.error.message}`);
      return true;
    },
    describeAcls: async (filter) => describeAclResponseOf(acls.describe(aclFilterOf(filterOf(filter)))),
    deleteAcls: async ({ filters }) =>
      deleteAclResponseOf(await acls.delete(filters.map((f) => aclFilterOf(filterOf(f)))).catch(unavailable)),
  };
}

export async function clusterQuotaAdmin(target: ClusterTarget): Promise<QuotaAdmin> {
  const { shared, current } = await sharedEntriesOf(target, 'quotas');
  const quotas = QuotaStore.ofShared(shared, current);
  return {
    describeClientQuotas: async (options = {}) =>
      quotas
        .describe(
          (options.components ?? []).map(
            (c): QuotaFilterComponent => ({
              entityType: c.entityType,
              match:
                c.matchType === 'exact'
                  ? { kind: 'exact', name: c.match ?? '' }
                  : c.matchType === 'default'
                    ? { kind: 'default' }
                    : { kind: 'any' },
            }),
          ),
          options.strict ?? false,
        )
        .map((entry) => ({ entity: { ...entry.entity }, values: { ...entry.values } as Record<string, number> })),
    alterClientQuotas: async ({ entries, validateOnly }) => {
      const changes = entries.map((entry) => ({
        entity: entry.entity,
        ops: entry.ops.map(
          (op): QuotaOp =>
            op.remove ? { key: op.key, remove: true } : { key: op.key, remove: false, value: op.value! },
        ),
      }));
      const results = await quotas.alter(changes, validateOnly ?? false).catch(unavailable);
      const refused = results.find((r) => r !== null);
      if (refused) throw new CliError(`the quota was refused: ${refused.message}`);
    },
  };
}
