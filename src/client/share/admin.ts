// The admin client's share-group calls (Admin delegates to this class):
//   listShareGroups()                                 { groups: [{ groupId, state, members }] }
//   describeShareGroups(groupIds)                     { groups: [{ groupId, errorCode, state, config, members, partitions }] }
//   deleteShareGroups(groupIds)                       [{ groupId, errorCode, errorMessage }]; throws if any failed
//   resetShareGroupOffsets({ groupId, topic, partitions?, to: 'earliest' | 'latest' } | { …, timestamp })
import {
  AlterShareGroupOffsetsApi,
  DeleteShareGroupsApi,
  ListShareGroupsApi,
  ShareGroupDescribeApi,
  type ShareGroupDescribeResponse,
} from '../../protocol/index.js';
import type { Cluster } from '../cluster.js';
import { SluiceProtocolError } from '../errors.js';

type Run = <T>(fn: () => Promise<T>) => Promise<T>;

export type ShareGroupDescription = ShareGroupDescribeResponse['groups'][number];

export class AdminShareGroups {
  constructor(
    private readonly cluster: Cluster,
    private readonly run: Run,
  ) {}

  listShareGroups(): Promise<{ groups: Array<{ groupId: string; state: string; members: number }> }> {
    return this.run(async () => {
      const r = await (await this.cluster.anyConnection()).send(ListShareGroupsApi, {});
      if (r.errorCode !== 0) throw new SluiceProtocolError(r.errorCode, r.errorMessage ?? undefined);
      return { groups: r.groups };
    });
  }

  describeShareGroups(groupIds: string[]): Promise<{ groups: ShareGroupDescription[] }> {
    return this.run(async () => {
      const r = await (await this.cluster.anyConnection()).send(ShareGroupDescribeApi, { groupIds });
      return { groups: r.groups };
    });
  }

  deleteShareGroups(
    groupIds: string[],
  ): Promise<Array<{ groupId: string; errorCode: number; errorMessage: string | null }>> {
    return this.run(async () => {
      const r = await (await this.cluster.anyConnection()).send(DeleteShareGroupsApi, { groupIds });
      const failed = r.results.find((x) => x.errorCode !== 0);
      if (failed)
        throw new SluiceProtocolError(
          failed.errorCode,
          // The broker's message names the group already.
          failed.errorMessage ?? `share group "${failed.groupId}" was not deleted`,
        );
      return r.results;
    });
  }

  resetShareGroupOffsets(options: {
    groupId: string;
    topic: string;
    partitions?: number[];
    to?: 'earliest' | 'latest';
    timestamp?: number;
  }): Promise<Array<{ partition: number; startOffset: number }>> {
    return this.run(async () => {
      const r = await (await this.cluster.anyConnection()).send(AlterShareGroupOffsetsApi, {
        groupId: options.groupId,
        topic: options.topic,
        partitions: options.partitions ?? null,
        to: options.timestamp !== undefined ? 'timestamp' : (options.to ?? 'latest'),
        timestamp: options.timestamp ?? -1,
      });
      if (r.errorCode !== 0) throw new SluiceProtocolError(r.errorCode, r.errorMessage ?? undefined);
      return r.partitions;
    });
  }
}
