// admin.describeUserScramCredentials / alterUserScramCredentials: SCRAM users managed online, as Kafka's
// Admin API has them (kafkajs has none), sent as the native DescribeUserScramCredentials /
// AlterUserScramCredentials. A new password is salted and iterated here: only Hi(password, salt, i) travels,
// and the broker stores only keys derived from it. A broker refusal rejects with KafkaJSProtocolError
// (CLUSTER_AUTHORIZATION_FAILED without Alter / Describe on the cluster, RESOURCE_NOT_FOUND, …).
import { randomBytes } from 'node:crypto';
import { AlterUserScramCredentialsApi } from '../protocol/apis/alter-user-scram-credentials.js';
import { DescribeUserScramCredentialsApi } from '../protocol/apis/describe-user-scram-credentials.js';
import { DEFAULT_SCRAM_ITERATIONS, hashOf, saltedPassword, type ScramMechanism } from '../protocol/sasl/scram.js';
import type { Cluster } from './cluster.js';
import { SluiceNonRetriableError, SluiceProtocolError } from './errors.js';

type Run = <T>(fn: () => Promise<T>) => Promise<T>;

export interface UserScramCredentials {
  user: string;
  credentials: Array<{ mechanism: ScramMechanism; iterations: number }>;
}

export interface ScramCredentialUpsertion {
  user: string;
  mechanism: ScramMechanism;
  password: string;
  /** Default 8192 (4096 to 16384). */
  iterations?: number;
}

export async function describeUserScramCredentials(
  cluster: Cluster,
  run: Run,
  users?: string[],
): Promise<UserScramCredentials[]> {
  const response = await run(async () =>
    (await cluster.anyConnection()).send(DescribeUserScramCredentialsApi, { users: users ?? null }),
  );
  if (response.errorCode !== 0) throw new SluiceProtocolError(response.errorCode, response.errorMessage ?? undefined);
  const failed = response.results.find((r) => r.errorCode !== 0);
  if (failed) throw new SluiceProtocolError(failed.errorCode, failed.errorMessage ?? undefined);
  return response.results.map((r) => ({ user: r.user, credentials: r.credentials }));
}

export async function alterUserScramCredentials(
  cluster: Cluster,
  run: Run,
  options: { upsertions?: ScramCredentialUpsertion[]; deletions?: Array<{ user: string; mechanism: ScramMechanism }> },
): Promise<void> {
  const upsertions = (options.upsertions ?? []).map((u) => {
    if (typeof u.password !== 'string' || u.password.length === 0)
      throw new SluiceNonRetriableError(`a password for "${u.user}" must not be empty`);
    const iterations = u.iterations ?? DEFAULT_SCRAM_ITERATIONS;
    const salt = randomBytes(32);
    return {
      name: u.user,
      mechanism: u.mechanism,
      iterations,
      salt,
      saltedPassword: saltedPassword(hashOf(u.mechanism), u.password, salt, iterations),
    };
  });
  const deletions = (options.deletions ?? []).map((d) => ({ name: d.user, mechanism: d.mechanism }));
  if (upsertions.length === 0 && deletions.length === 0)
    throw new SluiceNonRetriableError('give upsertions or deletions');
  const response = await run(async () =>
    (await cluster.anyConnection()).send(AlterUserScramCredentialsApi, { deletions, upsertions }),
  );
  const failed = response.results.find((r) => r.errorCode !== 0);
  if (failed) throw new SluiceProtocolError(failed.errorCode, failed.errorMessage ?? undefined);
}
