// `sluice users add|list|delete|passwd`: SCRAM users, online through an admin connection to a running broker
// (`--bootstrap host:port` or -b/SLUICE_BROKERS, with the usual --sasl-mechanism/--username/SLUICE_PASSWORD/
// --tls flags; Alter on the cluster to change, Describe to list), or offline in a stopped broker's data
// directory (`--data-dir`, the default when no broker is named), which is how the first user is made; for
// a cluster, offline in its etcd (`--cluster etcd://host:port [--cluster-name n]`, as given to sluice serve),
// which every broker of the cluster follows.
//
// A new password comes from SLUICE_NEW_PASSWORD, --new-password-file or a prompt on the terminal, never from
// the command line (argv is visible to every user of the machine), and is never printed.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { type Command, Option } from 'commander';
import { checkUserName, UserStoreError } from '../../src/broker/security/auth/users.js';
import { MAX_SCRAM_ITERATIONS } from '../../src/broker/security/auth/user-management.js';
import { DEFAULT_SCRAM_ITERATIONS, MIN_SCRAM_ITERATIONS } from '../../src/protocol/sasl/scram.js';
import { withClientSecurity } from '../lib/client-security.js';
import { clusterTarget } from '../lib/cluster-option.js';
import { action, subcommand, withDebug, withFormat, type Context } from '../lib/command.js';
import { UsageError } from '../lib/errors.js';
import { parseBrokerList, parseInteger } from '../lib/options.js';
import { jsonLine, renderTable } from '../lib/output.js';
import {
  clusterDirectory,
  noSuchUser,
  offlineDirectory,
  onlineDirectory,
  type UserDirectory,
} from '../lib/user-directory.js';

interface WhereOptions {
  dataDir?: string;
  cluster?: string;
  clusterName?: string;
  bootstrap?: string[];
  brokers?: string[];
}

interface PasswordOptions extends WhereOptions {
  newPasswordFile?: string;
  iterations?: number;
}

export function register(program: Command): void {
  const users = subcommand(
    program,
    'users',
    'SCRAM users: online on a running broker (--bootstrap), offline in a stopped broker’s --data-dir, or in a cluster’s etcd (--cluster)',
  );
  const where = (cmd: Command) =>
    withDebug(
      withClientSecurity(cmd)
        .addOption(
          new Option('--bootstrap <host:port,...>', 'a running broker to change users on (same as -b)').argParser(
            parseBrokerList,
          ),
        )
        .addOption(
          new Option('-b, --brokers <host:port,...>', 'a running broker to change users on')
            .env('SLUICE_BROKERS')
            .argParser(parseBrokerList),
        )
        .option(
          '--data-dir <dir>',
          'offline: the data directory of a stopped broker (default ./data when no broker is named)',
        )
        .option(
          '--cluster <etcd>',
          "a cluster's etcd, e.g. etcd://127.0.0.1:2379 (as given to sluice serve): its users, brokers running or not",
        )
        .option('--cluster-name <name>', "with --cluster: the cluster's name (default: sluice)"),
    );
  const password = (cmd: Command) =>
    cmd
      .option(
        '--new-password-file <file>',
        'read the new password from this file (first line); else SLUICE_NEW_PASSWORD, else a prompt',
      )
      .addOption(
        new Option(
          '--iterations <n>',
          `SCRAM iterations (${MIN_SCRAM_ITERATIONS} to ${MAX_SCRAM_ITERATIONS}, default ${DEFAULT_SCRAM_ITERATIONS})`,
        ).argParser(parseInteger('--iterations', MIN_SCRAM_ITERATIONS, MAX_SCRAM_ITERATIONS)),
      );
  where(password(subcommand(users, 'add', 'create a user (SCRAM-SHA-256 and SCRAM-SHA-512 credentials)')))
    .argument('<name>', 'user name (the principal is User:<name>)')
    .action(action(addUser));
  where(password(subcommand(users, 'passwd', 'set a user’s password (new salts; in force at its next login)')))
    .argument('<name>', 'user name')
    .action(action(setPassword));
  where(subcommand(users, 'delete', 'delete a user (its open connections stay until they close)'))
    .argument('<name>', 'user name')
    .action(action(deleteUser));
  withFormat(where(subcommand(users, 'list', 'list users with their mechanisms and iterations (never a key)'))).action(
    action(listUsers),
  );
}

/** In the cluster's etcd with --cluster; online when a broker is named (and no --data-dir), offline otherwise. */
async function directory(ctx: Context, opts: WhereOptions): Promise<UserDirectory> {
  if (opts.bootstrap && opts.brokers && opts.bootstrap.join(',') !== opts.brokers.join(','))
    throw new UsageError('give --bootstrap or -b/--brokers, not both');
  const brokers = opts.bootstrap ?? opts.brokers;
  const cluster = clusterTarget(opts.cluster, opts.clusterName, '--cluster');
  if (cluster !== undefined) {
    if (opts.dataDir !== undefined || opts.bootstrap !== undefined)
      throw new UsageError('give one of --cluster (etcd), --bootstrap (a running broker) or --data-dir, not several');
    return clusterDirectory(cluster);
  }
  if (opts.dataDir !== undefined) {
    if (opts.bootstrap !== undefined)
      throw new UsageError('give --bootstrap (online, a running broker) or --data-dir (offline), not both');
    return offlineDirectory(ctx, opts.dataDir);
  }
  if (brokers === undefined) return offlineDirectory(ctx, './data');
  ctx.brokers = brokers;
  return onlineDirectory(ctx);
}

function userName(name: string): string {
  try {
    return checkUserName(name);
  } catch (error) {
    if (error instanceof UserStoreError) throw new UsageError(error.message);
    throw error;
  }
}

async function newPassword(opts: PasswordOptions): Promise<string> {
  if (opts.newPasswordFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(opts.newPasswordFile, 'utf8');
    } catch (error) {
      throw new UsageError(
        `cannot read --new-password-file ${opts.newPasswordFile} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    const password = text.split(/\r?\n/)[0] ?? '';
    if (password.length === 0) throw new UsageError(`--new-password-file ${opts.newPasswordFile} is empty`);
    return password;
  }
  const fromEnv = process.env.SLUICE_NEW_PASSWORD;
  if (fromEnv !== undefined && fromEnv.length > 0) return fromEnv;
  if (!process.stdin.isTTY)
    throw new UsageError(
      'no new password: set SLUICE_NEW_PASSWORD or pass --new-password-file <file> (it is never read from the command line)',
    );
  const first = await prompt('New password: ');
  const again = await prompt('Again: ');
  if (first !== again) throw new UsageError('the two passwords differ');
  if (first.length === 0) throw new UsageError('a password must not be empty');
  return first;
}

/** Reads a line from the terminal without echoing it. */
function prompt(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const output = rl as unknown as { _writeToOutput: (s: string) => void };
    process.stderr.write(question);
    output._writeToOutput = () => {};
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}

async function addUser(ctx: Context, name: string, opts: PasswordOptions): Promise<void> {
  userName(name);
  const users = await directory(ctx, opts);
  const password = await newPassword(opts);
  await users.add(name, password, opts.iterations ?? DEFAULT_SCRAM_ITERATIONS);
  ctx.stdout.write(`created user ${name} (User:${name}) with SCRAM-SHA-256 and SCRAM-SHA-512 credentials\n`);
}

async function setPassword(ctx: Context, name: string, opts: PasswordOptions): Promise<void> {
  const users = await directory(ctx, opts);
  // Asked before the prompt, so nobody types a password for a user that is not there.
  if (!(await users.has(name))) throw noSuchUser(name);
  const password = await newPassword(opts);
  await users.setPassword(name, password, opts.iterations ?? DEFAULT_SCRAM_ITERATIONS);
  ctx.stdout.write(`changed the password of ${name}\n`);
}

async function deleteUser(ctx: Context, name: string, opts: WhereOptions): Promise<void> {
  const users = await directory(ctx, opts);
  await users.delete(name);
  ctx.stdout.write(`deleted user ${name}\n`);
}

async function listUsers(ctx: Context, opts: WhereOptions & { format: 'text' | 'json' }): Promise<void> {
  const users = await (await directory(ctx, opts)).list();
  if (opts.format === 'json') {
    for (const user of users) ctx.stdout.write(jsonLine(user));
    return;
  }
  if (users.length === 0) {
    ctx.info('no users');
    return;
  }
  ctx.stdout.write(
    renderTable(
      [{ header: 'USER' }, { header: 'MECHANISMS' }],
      users.map((u) => [u.name, u.mechanisms.map((m) => `${m.mechanism} (${m.iterations} iterations)`).join(', ')]),
      ctx.color,
    ),
  );
}
