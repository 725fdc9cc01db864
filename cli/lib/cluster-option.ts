// The etcd a cluster keeps its users, ACLs and quotas in, as the offline commands name it: `--cluster
// etcd://host:port[,…]` for `sluice users` and `sluice quotas`, `--etcd etcd://…` for `sluice acls` (whose
// --cluster names the cluster resource of an ACL), with `--cluster-name` (default sluice), exactly as given to
// `sluice serve`.
import { DEFAULT_CLUSTER_NAME, isValidClusterName, parseEtcdEndpoints } from '../../src/broker/cluster/config.js';
import { UsageError } from './errors.js';

export interface ClusterTarget {
  readonly endpoints: readonly string[];
  readonly name: string;
}

/** The cluster the flags name, or undefined when `etcd` is not given; `flag` is how the user spelled it. */
export function clusterTarget(
  etcd: string | undefined,
  clusterName: string | undefined,
  flag: string,
): ClusterTarget | undefined {
  if (etcd === undefined) {
    if (clusterName !== undefined) throw new UsageError(`--cluster-name goes with ${flag} etcd://host:port`);
    return undefined;
  }
  let endpoints: string[];
  try {
    endpoints = parseEtcdEndpoints(etcd);
  } catch (error) {
    throw new UsageError(`${flag} ${(error as Error).message}`);
  }
  const name = clusterName ?? DEFAULT_CLUSTER_NAME;
  if (!isValidClusterName(name)) throw new UsageError('--cluster-name must be 1..64 characters of [A-Za-z0-9_.-]');
  return { endpoints, name };
}
