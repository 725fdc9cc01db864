// Checks a user's password against the stored SCRAM credential (HTTP Basic on the HTTP door): derives the
// StoredKey from the password with the credential's own salt and iterations and compares it in constant
// time. Nothing of the password is kept: an unknown user costs the same derivation (a stand-in salt), and a
// success is remembered for a short while under an HMAC of user and password keyed by this run's secret,
// tied to the credential it matched (a changed password is checked afresh), so a console polling with Basic
// does not run PBKDF2 on every request. PBKDF2 runs on libuv's pool: the event loop never waits for it.
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { clientKeyOf, DEFAULT_SCRAM_ITERATIONS, type ScramCredential } from '../../../protocol/sasl/scram.js';
import type { UserStore } from './users.js';

const pbkdf2Async = promisify(pbkdf2);

/** How long a checked password is remembered. */
const REMEMBER_MS = 5 * 60_000;
const MAX_REMEMBERED = 1_000;

export class PasswordCheck {
  readonly #secret = randomBytes(32);
  readonly #remembered = new Map<string, { credential: ScramCredential; until: number }>();

  constructor(
    private readonly users: UserStore,
    private readonly now: () => number,
  ) {}

  /** True when `password` is the user's. */
  async matches(user: string, password: string): Promise<boolean> {
    const key = createHmac('sha256', this.#secret).update(user).update('\0').update(password).digest('base64');
    const credential = this.users.credential(user, 'SCRAM-SHA-256');
    const remembered = this.#remembered.get(key);
    if (remembered && credential !== undefined && remembered.credential === credential && remembered.until > this.now())
      return true;
    const checked = credential ?? this.#decoy(user);
    const salted = await pbkdf2Async(Buffer.from(password, 'utf8'), checked.salt, checked.iterations, 32, 'sha256');
    const storedKey = createHash('sha256').update(clientKeyOf('sha256', salted)).digest();
    const same = timingSafeEqual(storedKey, checked.storedKey);
    if (!same || credential === undefined) return false;
    this.#remembered.delete(key);
    this.#remembered.set(key, { credential, until: this.now() + REMEMBER_MS });
    if (this.#remembered.size > MAX_REMEMBERED) this.#remembered.delete(this.#remembered.keys().next().value!);
    return true;
  }

  #decoy(user: string): ScramCredential {
    const salt = createHmac('sha256', this.#secret).update(`decoy\0${user}`).digest();
    return { salt, iterations: DEFAULT_SCRAM_ITERATIONS, storedKey: randomBytes(32), serverKey: randomBytes(32) };
  }
}
