// Where `sluice users` keeps its users: the users file of a stopped broker's data directory (offline, for the
// first user, like Kafka's storage-format step), a cluster's etcd (offline too: the first user of a cluster,
// `--cluster etcd://…`, written as the brokers keep it, src/broker/cluster/security-state.ts) or a running
// broker reached through an admin connection (online: DescribeUserScramCredentials / AlterUserScramCredentials). Both give the same four operations and
// the same sentences, so the command does not care which it has.
import type { UserSummary } from '../../src/broker/security/auth/users.js';
import { UserStore, UserStoreError } from '../../src/broker/security/auth/users.js';
import { SharedStateUnavailable } from '../../src/broker/security/shared-entries.js';
import { SCRAM_MECHANISMS } from '../../src/protocol/sasl/scram.js';
import { lockDataDir, mkdirDurable, nodeFs } from '../../storage/index.js';
import type { ClusterTarget } from './cluster-option.js';
import { clusterUserStore } from './cluster-security.js';
import type { Context } from './command.js';
import { CliError } from './errors.js';
import { connectAdmin } from './sdk.js';

export interface UserDirectory {
  has(name: string): Promise<boolean>;
  /** Creates the user with SCRAM-SHA-256 and SCRAM-SHA-512 credentials; fails if it exists. */
  add(name: string, password: string, iterations: number): Promise<void>;
  /** New salts and keys for both mechanisms; fails if there is no such user. */
  setPassword(name: string, password: string, iterations: number): Promise<void>;
  delete(name: string): Promise<void>;
  /** Users with their mechanisms and iterations, never a salt or key. */
  list(): Promise<UserSummary[]>;
}

export const noSuchUser = (name: string) => new CliError(`there is no user "${name}"`);
export const userExists = (name: string) =>
  new CliError(`user "${name}" already exists (change its password with \`sluice users passwd ${name}\`)`);

/** The users file of `dataDir`, the directory locked until the command ends. */
export async function offlineDirectory(ctx: Context, dataDir: string): Promise<UserDirectory> {
  await mkdirDurable(nodeFs, dataDir);
  try {
    const lock = await lockDataDir(dataDir);
    ctx.onCleanup(() => lock.release());
  } catch (error) {
    if ((error as { code?: string }).code === 'DATA_DIR_LOCKED')
      throw new CliError(
        `${dataDir} is in use by a running broker: stop it first, or change users online with --bootstrap <host:port>`,
      );
    throw error;
  }
  const store = await UserStore.open(nodeFs, dataDir).catch(storeError);
  return directoryOf(store);
}

/** A cluster's users in etcd (`--cluster`), whether or not its brokers run: every broker follows them. */
export async function clusterDirectory(target: ClusterTarget): Promise<UserDirectory> {
  return directoryOf(await clusterUserStore(target));
}

/** The CLI's view of a user store, whichever keeps it: store errors become CLI errors. */
function directoryOf(store: UserStore): UserDirectory {
  return {
    has: async (name) => store.has(name),
    add: (name, password, iterations) => store.add(name, password, iterations).catch(storeError),
    setPassword: (name, password, iterations) => store.setPassword(name, password, iterations).catch(storeError),
    delete: (name) => store.delete(name).catch(storeError),
    list: async () => store.list(),
  };
}

function storeError(error: unknown): never {
  if (error instanceof UserStoreError || error instanceof SharedStateUnavailable) throw new CliError(error.message);
  throw error;
}

/** A running broker's users, through an admin connection with the command's SASL/TLS flags. */
export async function onlineDirectory(ctx: Context): Promise<UserDirectory> {
  const admin = await connectAdmin(ctx).catch(brokerError('connect'));
  const describe = (names?: string[]) => admin.describeUserScramCredentials(names).catch(brokerError('list'));
  const has = async (name: string) => {
    try {
      await admin.describeUserScramCredentials([name]);
      return true;
    } catch (error) {
      if ((error as { type?: string }).type === 'RESOURCE_NOT_FOUND') return false;
      return brokerError('list')(error);
    }
  };
  const upsert = (name: string, password: string, iterations: number) =>
    admin
      .alterUserScramCredentials({
        upsertions: SCRAM_MECHANISMS.map((mechanism) => ({ user: name, mechanism, password, iterations })),
      })
      .catch(brokerError('change'));
  return {
    has,
    add: async (name, password, iterations) => {
      if (await has(name)) throw userExists(name);
      await upsert(name, password, iterations);
    },
    setPassword: async (name, password, iterations) => {
      if (!(await has(name))) throw noSuchUser(name);
      await upsert(name, password, iterations);
    },
    delete: async (name) => {
      const [user] = await admin.describeUserScramCredentials([name]).catch((error) => {
        if ((error as { type?: string }).type === 'RESOURCE_NOT_FOUND') throw noSuchUser(name);
        return brokerError('list')(error);
      });
      const deletions = (user?.credentials ?? []).map((c) => ({ user: name, mechanism: c.mechanism }));
      if (deletions.length === 0) throw noSuchUser(name);
      await admin.alterUserScramCredentials({ deletions }).catch(brokerError('change'));
    },
    list: async () =>
      (await describe())
        .map((u) => ({ name: u.user, mechanisms: u.credentials }))
        .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

/** Turns the broker's refusals into one sentence; anything else (unreachable, bad credentials) passes through. */
function brokerError(what: 'connect' | 'list' | 'change') {
  return (error: unknown): never => {
    const type = (error as { type?: string }).type;
    if (type === 'CLUSTER_AUTHORIZATION_FAILED')
      throw new CliError(
        what === 'change'
          ? 'not authorized to change users: that needs Alter on the cluster (a super user, or an ACL such as `sluice acls add --principal User:<you> --operation Alter --cluster`)'
          : 'not authorized to list users: that needs Describe on the cluster (a super user, or an ACL such as `sluice acls add --principal User:<you> --operation Describe --cluster`)',
        { cause: error },
      );
    if (type === 'UNACCEPTABLE_CREDENTIAL' || type === 'UNSUPPORTED_SASL_MECHANISM')
      throw new CliError(`the broker refused the credential: ${(error as Error).message}`, { cause: error });
    throw error;
  };
}
