// The group coordinator as a request may use it: the same calls as GroupCoordinator, each checked first
// against the request's principal as Kafka's KafkaApis checks them — Read on the group to join, sync,
// heartbeat, leave and commit (plus Read on each committed topic); Describe on the group to fetch offsets
// (plus Describe on each topic), to describe it, to find its coordinator; Delete to delete it; ListGroups
// shows the groups the principal may Describe (all of them with Describe on the cluster). Both doors'
// group handlers call these, so the rule lives here once.
import type {
  DeleteGroupsRequest,
  DescribeGroupsRequest,
  HeartbeatRequest,
  JoinGroupRequest,
  LeaveGroupRequest,
  ListGroupsRequest,
  OffsetCommitRequest,
  OffsetFetchRequest,
  SyncGroupRequest,
} from '../../../protocol/index.js';
import {
  GroupError,
  type CommitAnswer,
  type DeleteGroupsAnswer,
  type DescribeGroupsAnswer,
  type HeartbeatAnswer,
  type JoinAnswer,
  type LeaveAnswer,
  type ListGroupsAnswer,
  type MemberClient,
  type OffsetFetchAnswer,
  type SyncAnswer,
} from '../../groups/index.js';
import type { BrokerContext, RequestContext } from '../../handlers/types.js';
import { publishRequestActivity } from '../../activity/events.js';
import { allowed, allowedOnCluster, denied } from './authorize.js';

const EMPTY = Buffer.alloc(0);

/** A denial as the coordinator's domain error: the handlers map it like any other group answer. */
function refusedAs(
  operation: 'Read' | 'Describe' | 'Delete',
  type: 'group' | 'topic',
  name: string,
  ctx: RequestContext,
) {
  const { errorMessage } = denied(operation, type, name, ctx);
  return new GroupError(type === 'group' ? 'group-authorization-failed' : 'topic-authorization-failed', errorMessage);
}

export class AuthorizedGroups {
  constructor(
    private readonly broker: BrokerContext,
    private readonly ctx: RequestContext,
  ) {}

  /** Null when the principal may Read the group, else the error to answer. */
  private refusedRead(groupId: string): GroupError | null {
    return allowed(this.broker, this.ctx, 'Read', 'group', groupId)
      ? null
      : refusedAs('Read', 'group', groupId, this.ctx);
  }

  join(req: JoinGroupRequest, member: MemberClient): Promise<JoinAnswer> {
    const refused = this.refusedRead(req.groupId);
    if (!refused) return this.broker.groups.join(req, member).then((joined) => this.joined(req.groupId, joined));
    return Promise.resolve({
      error: refused,
      generationId: -1,
      protocolType: null,
      protocolName: null,
      leader: '',
      memberId: req.memberId,
      members: [],
    });
  }

  sync(req: SyncGroupRequest): Promise<SyncAnswer> {
    const refused = this.refusedRead(req.groupId);
    if (!refused) return this.broker.groups.sync(req);
    return Promise.resolve({ error: refused, protocolType: null, protocolName: null, assignment: EMPTY });
  }

  heartbeat(req: HeartbeatRequest): HeartbeatAnswer {
    const refused = this.refusedRead(req.groupId);
    return refused ? { error: refused } : this.broker.groups.heartbeat(req);
  }

  leave(req: LeaveGroupRequest): LeaveAnswer {
    const refused = this.refusedRead(req.groupId);
    if (refused) return { error: refused, members: [] };
    const left = this.broker.groups.leave(req);
    for (const m of left.members) {
      if (m.error === null)
        publishRequestActivity(this.ctx, 'group.left', `group:${req.groupId}`, { memberId: m.memberId });
    }
    return left;
  }

  /** A join that got a member id into a generation is an activity event. */
  private joined(groupId: string, joined: JoinAnswer): JoinAnswer {
    if (joined.error === null) {
      publishRequestActivity(this.ctx, 'group.joined', `group:${groupId}`, {
        memberId: joined.memberId,
        generationId: joined.generationId,
      });
    }
    return joined;
  }

  /** A commit from outside the group's generation (generation -1: admin tools, kafkajs setOffsets/resetOffsets) resets offsets. */
  private committed(req: OffsetCommitRequest, committed: CommitAnswer): CommitAnswer {
    if (req.generationId !== -1) return committed;
    for (const t of committed.topics) {
      const request = req.topics.find((x) => x.name === t.name);
      const moved = t.partitions
        .filter((p) => p.error === null)
        .map((p) => `${p.partition}:${request?.partitions.find((x) => x.partition === p.partition)?.offset ?? '?'}`);
      if (moved.length > 0)
        publishRequestActivity(this.ctx, 'group.offsets.reset', `group:${req.groupId}`, {
          topic: t.name,
          offsets: moved.join(','),
        });
    }
    return committed;
  }

  /** Read on the group, then Read on each topic: denied topics are answered per partition, the rest committed. */
  async commitOffsets(req: OffsetCommitRequest): Promise<CommitAnswer> {
    const refusedGroup = this.refusedRead(req.groupId);
    const refusals = new Map<string, GroupError>();
    for (const t of req.topics) {
      const refused = refusedGroup ?? this.refusedTopic('Read', t.name);
      if (refused) refusals.set(t.name, refused);
    }
    if (refusals.size === 0) return this.committed(req, await this.broker.groups.commitOffsets(req));
    const permitted = req.topics.filter((t) => !refusals.has(t.name));
    const partial = { ...req, topics: permitted };
    const committed =
      permitted.length > 0 ? this.committed(partial, await this.broker.groups.commitOffsets(partial)) : null;
    let next = 0;
    return {
      topics: req.topics.map((t) => {
        const refused = refusals.get(t.name);
        if (!refused) return committed!.topics[next++]!;
        return { name: t.name, partitions: t.partitions.map((p) => ({ partition: p.partition, error: refused })) };
      }),
    };
  }

  /** Describe on the group; named topics need Describe (else refused per partition); "all topics" lists only those. */
  fetchOffsets(req: Pick<OffsetFetchRequest, 'groupId' | 'topics'>): OffsetFetchAnswer {
    if (!allowed(this.broker, this.ctx, 'Describe', 'group', req.groupId))
      return { error: refusedAs('Describe', 'group', req.groupId, this.ctx), topics: [] };
    const fetched = this.broker.groups.fetchOffsets(req);
    if (!this.broker.authorizer.enabled) return fetched;
    return {
      ...fetched,
      topics: fetched.topics.flatMap((t) => {
        if (allowed(this.broker, this.ctx, 'Describe', 'topic', t.name, req.topics !== null)) return [t];
        if (req.topics === null) return [];
        const refused = refusedAs('Describe', 'topic', t.name, this.ctx);
        return [
          {
            name: t.name,
            partitions: t.partitions.map((p) => ({
              ...p,
              offset: -1,
              metadata: null,
              error: refused,
              logEndOffset: -1,
              lag: -1,
            })),
          },
        ];
      }),
    };
  }

  listGroups(req: ListGroupsRequest): ListGroupsAnswer {
    const listed = this.broker.groups.listGroups(req);
    if (!this.broker.authorizer.enabled || allowedOnCluster(this.broker, this.ctx, 'Describe', false)) return listed;
    return {
      ...listed,
      groups: listed.groups.filter((g) => allowed(this.broker, this.ctx, 'Describe', 'group', g.groupId, false)),
    };
  }

  describeGroups(req: DescribeGroupsRequest): DescribeGroupsAnswer {
    const permitted = req.groups.filter((id) => allowed(this.broker, this.ctx, 'Describe', 'group', id));
    if (permitted.length === req.groups.length) return this.broker.groups.describeGroups(req);
    const described = new Map(
      this.broker.groups.describeGroups({ ...req, groups: permitted }).groups.map((g) => [g.groupId, g]),
    );
    return {
      groups: req.groups.map(
        (groupId) =>
          described.get(groupId) ?? {
            error: refusedAs('Describe', 'group', groupId, this.ctx),
            groupId,
            groupState: 'Dead',
            protocolType: '',
            protocolData: '',
            members: [],
          },
      ),
    };
  }

  async deleteGroups(req: DeleteGroupsRequest): Promise<DeleteGroupsAnswer> {
    const permitted = req.groups.filter((id) => allowed(this.broker, this.ctx, 'Delete', 'group', id));
    if (permitted.length === req.groups.length) return this.broker.groups.deleteGroups(req);
    const deleted = new Map(
      (await this.broker.groups.deleteGroups({ ...req, groups: permitted })).results.map((r) => [r.groupId, r]),
    );
    return {
      results: req.groups.map(
        (groupId) => deleted.get(groupId) ?? { groupId, error: refusedAs('Delete', 'group', groupId, this.ctx) },
      ),
    };
  }

  private refusedTopic(operation: 'Read' | 'Describe', topic: string): GroupError | null {
    return allowed(this.broker, this.ctx, operation, 'topic', topic)
      ? null
      : refusedAs(operation, 'topic', topic, this.ctx);
  }
}

/** The group coordinator, checked against this request's principal. */
export function groupsFor(broker: BrokerContext, ctx: RequestContext): AuthorizedGroups {
  return new AuthorizedGroups(broker, ctx);
}
