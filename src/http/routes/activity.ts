// The activity log (`__activity`, one JSON record per event) read over HTTP: its tail, or what came after
// an offset (the console's live view asks with `after_offset`), filtered by principal and type.
import { CoreError, type PartitionInfo } from '../core.js';
import { HttpError } from '../errors.js';
import { CLUSTER, clusterParams, type RouteContext } from './context.js';

const ACTIVITY_TOPIC = '__activity';
/** Records looked at per request at most: filters never make a request read the whole log. */
const SCAN_LIMIT = 10_000;

interface ActivityQuery {
  principal?: string;
  type?: string;
  after_offset?: number;
  max_count?: number;
}

export function activityRoutes({ app, core }: RouteContext): void {
  app.get<{ Params: { cluster_id: string }; Querystring: ActivityQuery }>(
    `${CLUSTER}/activity`,
    {
      schema: {
        tags: ['activity'],
        summary:
          'Events of the activity log, oldest first: the latest ones, or those after `after_offset`; `principal` matches exactly ("User:alice"), `type` a type or its prefix ("topic." or "auth.failed")',
        params: clusterParams,
        querystring: {
          type: 'object',
          properties: {
            principal: { type: 'string', minLength: 1, maxLength: 512 },
            type: { type: 'string', minLength: 1, maxLength: 128 },
            after_offset: { type: 'integer', minimum: -1, maximum: Number.MAX_SAFE_INTEGER },
            max_count: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const { principal, type, after_offset } = request.query;
      const max = request.query.max_count ?? 100;
      let bounds: PartitionInfo;
      try {
        bounds = core.partition(ACTIVITY_TOPIC, 0);
      } catch (error) {
        if (error instanceof CoreError) throw new HttpError(404, 'the activity log is off on this broker');
        throw error;
      }
      const end = bounds.highWatermark;
      const tail = after_offset === undefined;
      const from = tail
        ? Math.max(bounds.logStartOffset, end - SCAN_LIMIT)
        : Math.min(Math.max(bounds.logStartOffset, after_offset + 1), end);
      const window = await core.read(ACTIVITY_TOPIC, 0, from, {
        maxRecords: SCAN_LIMIT,
        maxBytes: 8 * 1024 * 1024,
      });
      const matching: Array<{ offset: number; event: Record<string, unknown> }> = [];
      let nextOffset = window.nextOffset;
      for (const record of window.records) {
        let event: Record<string, unknown>;
        try {
          event = JSON.parse(record.value?.toString('utf8') ?? 'null') as Record<string, unknown>;
        } catch {
          continue;
        }
        if (!event || typeof event !== 'object') continue;
        if (principal !== undefined && event.principal !== principal) continue;
        if (type !== undefined && !(event.type === type || String(event.type).startsWith(type))) continue;
        matching.push({ offset: record.offset, event });
        // Reading forward: stop at max and resume after the last one returned.
        if (!tail && matching.length >= max) {
          nextOffset = record.offset + 1;
          break;
        }
      }
      const data = tail ? matching.slice(-max) : matching;
      return {
        kind: 'SluiceActivityList',
        log_start_offset: window.logStartOffset,
        high_watermark: window.highWatermark,
        /** Give it back as after_offset to get only newer events. */
        last_offset: nextOffset - 1,
        data: data.map(({ offset, event }) => ({ offset, ...event })),
      };
    },
  );
}
