// SCRAM-SHA-256 / SCRAM-SHA-512 as a SASL mechanism: round 1 is client-first → server-first, round 2
// client-final → server-final (scram-server.ts does the work).
import { userPrincipal } from '../principal.js';
import type { AuthenticationFailed as Failed, MechanismExchange, RoundResult } from './mechanism.js';
import { AuthenticationFailed } from './mechanism.js';
import { ScramFailed, ScramServerExchange } from './scram-server.js';
import type { ScramMechanism } from '../../../protocol/sasl/scram.js';
import type { UserStore } from './users.js';

export class ScramMechanismExchange implements MechanismExchange {
  readonly #exchange: ScramServerExchange;
  #round = 0;

  constructor(mechanism: ScramMechanism, users: UserStore, decoySecret: Buffer) {
    this.#exchange = new ScramServerExchange({
      mechanism,
      lookup: (user) => users.credential(user, mechanism),
      decoySecret,
    });
  }

  round(clientBytes: Buffer): RoundResult {
    const text = clientBytes.toString('utf8');
    try {
      if (this.#round++ === 0) return { reply: Buffer.from(this.#exchange.first(text), 'utf8') };
      const { serverFinal, user } = this.#exchange.final(text);
      return { reply: Buffer.from(serverFinal, 'utf8'), done: { principal: userPrincipal(user), expiresAtMs: null } };
    } catch (error) {
      if (error instanceof ScramFailed) throw failed(error);
      throw error;
    }
  }
}

function failed(error: ScramFailed): Failed {
  return new AuthenticationFailed(error.reason, error.user);
}
