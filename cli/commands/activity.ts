// `sluice activity [--follow] [--principal P] [--type T] [--json]`: the broker's activity log (the internal
// topic `__activity`, one JSON record per event) as lines a person reads, or as the records themselves.
// Without --follow it prints what is retained up to now and exits; with it, it keeps printing new events
// until Ctrl-C. Reading `__activity` needs Read on it when authorization is on.
import type { Command } from 'commander';
import { action, interrupted, subcommand, withBrokers, type Context } from '../lib/command.js';
import { UsageError } from '../lib/errors.js';
import { readAssigned } from '../lib/read-partitions.js';
import { connectAdmin, offsetsOf } from '../lib/sdk.js';
import type { ActivityRecord } from '../../src/broker/activity/activity-log.js';

const TOPIC = '__activity';

interface ActivityFlags {
  follow?: boolean;
  principal?: string;
  type?: string[];
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',').filter(Boolean)];

export function register(program: Command): void {
  const activity = subcommand(
    program,
    'activity',
    'show the activity log: connections, logins, denials, topic, ACL, quota and user changes, group events',
  )
    .option('-f, --follow', 'keep printing new events until Ctrl-C')
    .option('--principal <User:name>', 'only events of this principal ("User:alice" or "alice")')
    .option('--type <type>', 'only events of this type or family ("auth.failed", "auth", "topic"); repeatable', collect)
    .option('--json', 'print each event as its JSON record, one per line');
  withBrokers(activity).action(action(showActivity));
}

/** A filter over records: principal exactly, type exactly or by family (the part before a dot). */
function matcher(flags: ActivityFlags): (r: ActivityRecord) => boolean {
  if (flags.principal !== undefined && flags.principal.trim() === '')
    throw new UsageError('--principal must name a principal ("User:alice" or "alice")');
  const principal =
    flags.principal === undefined
      ? undefined
      : flags.principal.includes(':')
        ? flags.principal
        : `User:${flags.principal}`;
  const types = flags.type ?? [];
  return (r) =>
    (principal === undefined || r.principal === principal) &&
    (types.length === 0 || types.some((t) => r.type === t || r.type.startsWith(`${t}.`)));
}

function detailsText(details: Record<string, unknown>): string {
  return Object.entries(details)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
}

/** "2026-12-03T09:00:00.000Z auth.failed failure User:eve from 127.0.0.1 (client app) native mechanism=…". */
function humanLine(r: ActivityRecord): string {
  const parts = [r.time, r.type, r.outcome];
  if (r.principal) parts.push(r.principal);
  if (r.clientHost) parts.push(`from ${r.clientHost}`);
  if (r.clientId) parts.push(`(client ${r.clientId})`);
  if (r.resource) parts.push(r.resource);
  const details = detailsText(r.details ?? {});
  if (details) parts.push(details);
  return `${parts.join(' ')}\n`;
}

async function showActivity(ctx: Context, flags: ActivityFlags) {
  const wanted = matcher(flags);
  const admin = await connectAdmin(ctx);
  const [offsets] = await offsetsOf(admin, TOPIC);
  if (!offsets) throw new UsageError('this broker has no activity log (__activity)');
  if (!flags.follow && offsets.low >= offsets.high) return void ctx.info('the activity log is empty');
  let shown = 0;
  const starts = [{ topic: TOPIC, partition: 0, offset: offsets.low }];
  const until = flags.follow ? interrupted() : undefined;
  await readAssigned(ctx, starts, { maxWaitTimeInMs: 1000, until }, async ({ batch }, { finish }) => {
    for (const message of batch.messages) {
      if (!flags.follow && Number(message.offset) >= offsets.high) break;
      if (!message.value) continue;
      let record: ActivityRecord;
      try {
        record = JSON.parse(message.value.toString('utf8')) as ActivityRecord;
      } catch {
        continue;
      }
      if (!wanted(record)) continue;
      shown++;
      ctx.stdout.write(flags.json ? `${message.value.toString('utf8')}\n` : humanLine(record));
    }
    const last = batch.messages[batch.messages.length - 1];
    if (!flags.follow && last !== undefined && Number(last.offset) + 1 >= offsets.high) finish();
  });
  if (!flags.follow && shown === 0) ctx.info('no events match');
}
