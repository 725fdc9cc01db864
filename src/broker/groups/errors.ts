// The group coordinator's domain errors. They say what is wrong in the coordinator's own terms; handlers
// alone turn them into wire codes (handlers/domain-errors.ts), as they do the registries' and storage's.
//
// A group answer is often partial (one error per partition of a commit, per member of a leave, per group
// of a describe or delete), and a pending JoinGroup or SyncGroup is answered later by a callback, so the
// coordinator does not throw these: every answer carries `error`, a GroupError or null.

/** What is wrong with a group request. */
export type GroupProblem =
  /** The coordinator is still replaying `__consumer_offsets`. */
  | 'coordinator-loading'
  /** The coordinator is shut down (or shutting down). */
  | 'coordinator-closed'
  /** Cluster mode: another broker coordinates the group (it leads `__consumer_offsets`). */
  | 'not-coordinator'
  /** Cluster mode: a write to `__consumer_offsets` was not replicated to the in-sync replicas in time. */
  | 'replication-timed-out'
  /** The group id is empty. */
  | 'invalid-group-id'
  /** The session timeout is outside the broker's range. */
  | 'invalid-session-timeout'
  /** No protocol type, no protocols, or none in common with the group. */
  | 'inconsistent-protocol'
  /** The group has maxGroupSize members. */
  | 'group-full'
  /** The member is not (or no longer) in the group. */
  | 'unknown-member'
  /** Another incarnation registered the same group.instance.id. */
  | 'fenced-instance'
  /** The request names an older generation than the group's. */
  | 'stale-generation'
  /** The group is rebalancing: the member must rejoin (or wait for SyncGroup). */
  | 'rebalancing'
  /** A committed offset names a topic or partition that does not exist. */
  | 'unknown-partition'
  /** A committed offset is negative. */
  | 'negative-offset'
  /** A committed offset's metadata exceeds offsetMetadataMaxBytes. */
  | 'metadata-too-large'
  /** The group does not exist. */
  | 'group-not-found'
  /** The group still has members (it cannot be deleted). */
  | 'group-not-empty'
  /** `__consumer_offsets` could not be written. */
  | 'storage-failed'
  /** The request's principal may not use the group (ACLs, src/broker/security/acl/). */
  | 'group-authorization-failed'
  /** The request's principal may not use a topic it names (ACLs). */
  | 'topic-authorization-failed'
  /** A stable offset was asked for (KIP-447) where a transaction not ended yet commits the offset. */
  | 'unstable-offset';

export class GroupError extends Error {
  override name = 'GroupError';

  constructor(
    readonly problem: GroupProblem,
    /** What the member is told (the wire's error message); null when the code says it all. */
    readonly detail: string | null = null,
  ) {
    super(detail ?? problem);
  }
}

/** The error part of every coordinator answer: null when it succeeded. */
export interface GroupOutcome {
  error: GroupError | null;
}
