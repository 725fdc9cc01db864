// `sluice users add|list|delete|passwd --data-dir <dir>`: the users store of a data directory, offline
// (before the first start, or while the broker is stopped), like Kafka's storage-format step that writes the
// first SCRAM credentials. The data directory's lock keeps this and a running broker apart.
//
// A new password comes from SLUICE_NEW_PASSWORD, --new-password-file or a prompt on the terminal, never from
// the command line (argv is visible to every user of the machine), and is never printed.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { UserStore, UserStoreError } from '../../src/broker/security/auth/users.js';
import { lockDataDir, mkdirDurable, nodeFs } from '../../storage/index.js';
import { action, subcommand, withDebug, withFormat, type Context } from '../lib/command.js';
import { CliError, UsageError } from '../lib/errors.js';
import { jsonLine, renderTable } from '../lib/output.js';

interface DataDirOptions {
  dataDir?: string;
}

interface PasswordOptions extends DataDirOptions {
  newPasswordFile?: string;
}

export function register(program: Command): void {
  const users = subcommand(program, 'users', 'SCRAM users of a data directory (offline: the broker must be stopped)');
  const dataDir = (cmd: Command) =>
    withDebug(cmd.option('--data-dir <dir>', 'the broker’s data directory (default: ./data)'));
  const passwordFile = (cmd: Command) =>
    cmd.option(
      '--new-password-file <file>',
      'read the new password from this file (first line); else SLUICE_NEW_PASSWORD, else a prompt',
    );
  dataDir(passwordFile(subcommand(users, 'add', 'create a user (SCRAM-SHA-256 and SCRAM-SHA-512 credentials)')))
    .argument('<name>', 'user name (the principal is User:<name>)')
    .action(action(addUser));
  dataDir(passwordFile(subcommand(users, 'passwd', 'set a user’s password (new salts)')))
    .argument('<name>', 'user name')
    .action(action(setPassword));
  dataDir(subcommand(users, 'delete', 'delete a user'))
    .argument('<name>', 'user name')
    .action(action(deleteUser));
  withFormat(dataDir(subcommand(users, 'list', 'list users and their mechanisms (never a key)'))).action(
    action(listUsers),
  );
}

/** Opens the store with the data directory locked; the lock is released when the command ends. */
async function openStore(ctx: Context, opts: DataDirOptions): Promise<UserStore> {
  const dir = opts.dataDir ?? './data';
  await mkdirDurable(nodeFs, dir);
  try {
    const lock = await lockDataDir(dir);
    ctx.onCleanup(() => lock.release());
  } catch (error) {
    if ((error as { code?: string }).code === 'DATA_DIR_LOCKED')
      throw new CliError(
        `${dir} is in use by a running broker: stop it first (users are changed offline, like Kafka's storage format step)`,
      );
    throw error;
  }
  try {
    return await UserStore.open(nodeFs, dir);
  } catch (error) {
    if (error instanceof UserStoreError) throw new CliError(error.message);
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

function storeError(error: unknown): never {
  if (error instanceof UserStoreError) throw new CliError(error.message);
  throw error;
}

async function addUser(ctx: Context, name: string, opts: PasswordOptions): Promise<void> {
  const store = await openStore(ctx, opts);
  const password = await newPassword(opts);
  await store.add(name, password).catch(storeError);
  ctx.stdout.write(`created user ${name} (User:${name}) with SCRAM-SHA-256 and SCRAM-SHA-512 credentials\n`);
}

async function setPassword(ctx: Context, name: string, opts: PasswordOptions): Promise<void> {
  const store = await openStore(ctx, opts);
  if (!store.has(name)) throw new CliError(`there is no user "${name}"`);
  const password = await newPassword(opts);
  await store.setPassword(name, password).catch(storeError);
  ctx.stdout.write(`changed the password of ${name}\n`);
}

async function deleteUser(ctx: Context, name: string, opts: DataDirOptions): Promise<void> {
  const store = await openStore(ctx, opts);
  await store.delete(name).catch(storeError);
  ctx.stdout.write(`deleted user ${name}\n`);
}

async function listUsers(ctx: Context, opts: DataDirOptions & { format: 'text' | 'json' }): Promise<void> {
  const store = await openStore(ctx, opts);
  const users = store.list();
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
