// Every command but `serve`, in the order `sluice --help` lists them after it: imported by main.ts only
// when the command line may need one of them (one chunk of the bundle, so a client command loads a few files).
import type { Command } from 'commander';
import * as acls from './commands/acls.js';
import * as activity from './commands/activity.js';
import * as cluster from './commands/cluster.js';
import * as completion from './commands/completion.js';
import * as consume from './commands/consume.js';
import * as dlq from './commands/dlq.js';
import * as dumpLog from './commands/dump-log.js';
import * as groups from './commands/groups.js';
import * as help from './commands/help.js';
import * as perf from './commands/perf.js';
import * as produce from './commands/produce.js';
import * as queue from './commands/queue.js';
import * as quotas from './commands/quotas.js';
import * as replay from './commands/replay.js';
import * as topics from './commands/topics.js';
import * as transactions from './commands/transactions.js';
import * as users from './commands/users.js';

export const CLIENT_COMMANDS: ReadonlyArray<{ register(program: Command): void }> = [
  topics,
  produce,
  consume,
  replay,
  groups,
  queue,
  dlq,
  acls,
  quotas,
  activity,
  perf,
  dumpLog,
  users,
  cluster,
  transactions,
  completion,
  help,
];
