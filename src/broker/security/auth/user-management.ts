// DescribeUserScramCredentials and AlterUserScramCredentials as the core serves them to every door (Kafka's
// APIs 50 and 51): Describe on the cluster to list, Alter on the cluster to change, as in Kafka. A change
// carries a salted password (Hi(password, salt, i)), never the password; the broker derives and stores only
// StoredKey and ServerKey, durable before the answer, and the next login uses them (no restart). Results are
// per user, in Kafka's codes: RESOURCE_NOT_FOUND (no such user or credential), DUPLICATE_RESOURCE (the same
// user and mechanism twice), UNSUPPORTED_SASL_MECHANISM, UNACCEPTABLE_CREDENTIAL (iterations out of range,
// a bad name). Each user changed is a `user.created`, `user.changed` or `user.deleted` activity event
// naming the mechanisms, never a salt or key.
import { ErrorCode } from '../../../protocol/index.js';
import {
  credentialOfSalted,
  hashOf,
  MIN_SCRAM_ITERATIONS,
  SCRAM_MECHANISMS,
  type ScramCredential,
  type ScramMechanism,
} from '../../../protocol/sasl/scram.js';
import { publishActivity } from '../../diagnostics.js';
import type { BrokerContext, RequestContext } from '../../handlers/types.js';
import { allowedOnCluster, denied, type WireError } from '../acl/authorize.js';
import { formatPrincipal } from '../principal.js';
import { sharedStateRefusal } from '../shared-refusal.js';
import { checkUserName } from './users.js';

/** Kafka's limit on SCRAM iterations. */
export const MAX_SCRAM_ITERATIONS = 16_384;

export interface UserCredentialsResult {
  user: string;
  errorCode: number;
  errorMessage: string | null;
  credentials: Array<{ mechanism: ScramMechanism; iterations: number }>;
}

export interface ScramDeletion {
  name: string;
  mechanism: string;
}

export interface ScramUpsertion {
  name: string;
  mechanism: string;
  iterations: number;
  salt: Buffer;
  saltedPassword: Buffer;
}

const ok = { errorCode: ErrorCode.NONE, errorMessage: null };

export function describeUserScramCredentials(
  broker: BrokerContext,
  ctx: RequestContext,
  users: readonly string[] | null,
): { error: WireError } | { results: UserCredentialsResult[] } {
  if (!allowedOnCluster(broker, ctx, 'Describe')) return { error: denied('Describe', 'cluster', '', ctx) };
  const store = broker.authenticator.users;
  const names = users ?? store.list().map((u) => u.name);
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return {
    results: [...counts].map(([user, count]) => {
      if (count > 1)
        return {
          user,
          errorCode: ErrorCode.DUPLICATE_RESOURCE,
          errorMessage: `user "${user}" is named twice`,
          credentials: [],
        };
      const mechanisms = store.mechanismsOf(user);
      if (!mechanisms)
        return {
          user,
          errorCode: ErrorCode.RESOURCE_NOT_FOUND,
          errorMessage: `there is no user "${user}"`,
          credentials: [],
        };
      return { user, ...ok, credentials: [...mechanisms] };
    }),
  };
}

type Refusal = { errorCode: number; errorMessage: string };

function refusal(code: keyof typeof ErrorCode, errorMessage: string): Refusal {
  return { errorCode: ErrorCode[code], errorMessage };
}

function mechanismOf(text: string): ScramMechanism | null {
  return (SCRAM_MECHANISMS as readonly string[]).includes(text) ? (text as ScramMechanism) : null;
}

/** Per user named, in first-mention order: null when changed, else why not. */
export async function alterUserScramCredentials(
  broker: BrokerContext,
  ctx: RequestContext,
  deletions: readonly ScramDeletion[],
  upsertions: readonly ScramUpsertion[],
): Promise<Array<{ user: string } & { errorCode: number; errorMessage: string | null }>> {
  const names = [...new Set([...deletions.map((d) => d.name), ...upsertions.map((u) => u.name)])];
  if (!allowedOnCluster(broker, ctx, 'Alter')) {
    const { errorCode, errorMessage } = denied('Alter', 'cluster', '', ctx);
    return names.map((user) => ({ user, errorCode, errorMessage }));
  }
  const store = broker.authenticator.users;
  const failed = new Map<string, Refusal>();
  const changes = new Map<
    string,
    { set: Partial<Record<ScramMechanism, ScramCredential>>; remove: ScramMechanism[] }
  >();
  const fail = (user: string, why: Refusal) => {
    if (!failed.has(user)) failed.set(user, why);
  };
  const changeOf = (user: string) => {
    let change = changes.get(user);
    if (!change) changes.set(user, (change = { set: {}, remove: [] }));
    return change;
  };
  const seen = new Set<string>();
  const once = (user: string, mechanism: string): boolean => {
    const key = `${user}\0${mechanism}`;
    if (seen.has(key)) {
      fail(user, refusal('DUPLICATE_RESOURCE', `user "${user}" and ${mechanism} are named twice`));
      return false;
    }
    seen.add(key);
    return true;
  };
  for (const d of deletions) {
    const mechanism = mechanismOf(d.mechanism);
    if (!mechanism) fail(d.name, refusal('UNSUPPORTED_SASL_MECHANISM', `unknown SCRAM mechanism ${d.mechanism}`));
    else if (once(d.name, mechanism)) {
      if (!store.credential(d.name, mechanism))
        fail(d.name, refusal('RESOURCE_NOT_FOUND', `user "${d.name}" has no ${mechanism} credential`));
      else changeOf(d.name).remove.push(mechanism);
    }
  }
  for (const u of upsertions) {
    const mechanism = mechanismOf(u.mechanism);
    try {
      checkUserName(u.name);
    } catch (error) {
      fail(u.name, refusal('UNACCEPTABLE_CREDENTIAL', (error as Error).message));
      continue;
    }
    if (!mechanism) fail(u.name, refusal('UNSUPPORTED_SASL_MECHANISM', `unknown SCRAM mechanism ${u.mechanism}`));
    else if (
      !Number.isSafeInteger(u.iterations) ||
      u.iterations < MIN_SCRAM_ITERATIONS ||
      u.iterations > MAX_SCRAM_ITERATIONS
    )
      fail(
        u.name,
        refusal(
          'UNACCEPTABLE_CREDENTIAL',
          `SCRAM iterations must be ${MIN_SCRAM_ITERATIONS} to ${MAX_SCRAM_ITERATIONS}, got ${u.iterations}`,
        ),
      );
    else if (u.salt.length < 16 || u.saltedPassword.length === 0)
      fail(
        u.name,
        refusal('UNACCEPTABLE_CREDENTIAL', 'a credential needs a salt of at least 16 bytes and a salted password'),
      );
    else if (once(u.name, mechanism))
      changeOf(u.name).set[mechanism] = Object.freeze(
        credentialOfSalted(hashOf(mechanism), u.saltedPassword, Buffer.from(u.salt), u.iterations),
      );
  }
  const applied = [...changes].filter(([user]) => !failed.has(user));
  const before = new Map(applied.map(([user]) => [user, store.has(user)]));
  if (applied.length > 0) {
    try {
      await store.alterCredentials(applied.map(([user, change]) => ({ user, ...change })));
    } catch (error) {
      const refused = sharedStateRefusal(error);
      for (const [user] of applied) failed.set(user, refused);
      return names.map((user) => ({ user, ...(failed.get(user) ?? ok) }));
    }
  }
  for (const [user, change] of applied) publishChange(ctx, user, before.get(user)!, store.has(user), change);
  return names.map((user) => ({ user, ...(failed.get(user) ?? ok) }));
}

function publishChange(
  ctx: RequestContext,
  user: string,
  existed: boolean,
  exists: boolean,
  change: { set: Partial<Record<ScramMechanism, ScramCredential>>; remove: ScramMechanism[] },
): void {
  const type = !existed ? 'user.created' : exists ? 'user.changed' : 'user.deleted';
  publishActivity(() => ({
    type,
    principal: formatPrincipal(ctx.principal),
    clientHost: ctx.clientHost,
    ...(ctx.header.clientId ? { clientId: ctx.header.clientId } : {}),
    outcome: 'success',
    resource: `user:${user}`,
    details: {
      ...(Object.keys(change.set).length > 0 ? { set: Object.keys(change.set).join(',') } : {}),
      ...(change.remove.length > 0 ? { removed: change.remove.join(',') } : {}),
    },
  }));
}
