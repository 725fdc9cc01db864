// AlterUserScramCredentials (v0): the core's change (security/auth/user-management.ts); Kafka's mechanism
// numbers (1 SCRAM-SHA-256, 2 SCRAM-SHA-512; anything else is UNSUPPORTED_SASL_MECHANISM there).
import { AlterUserScramCredentials } from '../../../protocol/kafka/index.js';
import { alterUserScramCredentials } from '../../security/auth/user-management.js';
import { kafkaHandler } from '../handler.js';
import { KAFKA_SCRAM_MECHANISMS } from './describe-user-scram-credentials.js';

const mechanismName = (code: number) => KAFKA_SCRAM_MECHANISMS[code] ?? `mechanism ${code}`;

export const kafkaAlterUserScramCredentialsHandler = kafkaHandler(
  AlterUserScramCredentials,
  async (request, broker, ctx) => ({
    throttleTimeMs: 0,
    results: await alterUserScramCredentials(
      broker,
      ctx,
      request.deletions.map((d) => ({ name: d.name, mechanism: mechanismName(d.mechanism) })),
      request.upsertions.map((u) => ({ ...u, mechanism: mechanismName(u.mechanism) })),
    ),
  }),
);
