#!/usr/bin/env -S node --initial-old-space-size=128
// The `sluice` command line. The only place that reads argv, env and config files.
// A thin registry: each command lives in its own module exporting `register(program)`; adding a
// command is one import and one entry in COMMANDS.
import { Command } from 'commander';
import { SLUICE_VERSION } from '../src/version.js';
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
import { configure } from './lib/command.js';
import * as serve from './serve.js';

const COMMANDS: ReadonlyArray<{ register(program: Command): void }> = [
  serve,
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

const program = configure(new Command('sluice'))
  .description('Sluice: a log-structured streaming broker (Kafka’s model in one small process)')
  .version(SLUICE_VERSION, '-V, --version', 'print the version');

for (const command of COMMANDS) command.register(program);

await program.parseAsync(process.argv);
