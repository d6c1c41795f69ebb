/**
 * Resource-owner authentication: find the account, verify the password, and
 * say what happened in a result rich enough for protection and MFA to hook in
 * (ARCHITECTURE.md principle 5). Every call costs one verification with the current parameters (two for an
 * account whose hash has other ones).
 */
import type { UserStore } from '../storage/slices/users.ts';
import type { UserRecord } from '../model/user.ts';
import type { PasswordHasher } from './passwords.ts';

export type LoginResult =
  | { outcome: 'ok'; user: UserRecord }
  | { outcome: 'blocked'; user: UserRecord }
  | { outcome: 'wrong_password'; user: UserRecord }
  | { outcome: 'unknown_user' };

export interface AccountDeps {
  users: UserStore;
  hasher: PasswordHasher;
  /** A hash with the current parameters, verified when there is no user, so both paths cost the same. */
  decoy: string;
  now: () => number;
}

export class Accounts {
  readonly #deps: AccountDeps;
  constructor(deps: AccountDeps) {
    this.#deps = deps;
  }

  /** The account a login names (username or email), if any; costs no hash, so protection can check first. */
  find(connection: string, login: string): Promise<UserRecord | undefined> {
    return this.#deps.users.findUserByLogin(connection, login);
  }

  /** Verifies `password` against the account `find` returned, or against the decoy when it returned none. */
  async verify(user: UserRecord | undefined, password: string): Promise<LoginResult> {
    const { hasher, decoy } = this.#deps;
    const stored = user?.password_hash ?? decoy;
    // A hash not made with the current parameters (imported from another system, or older) may be cheaper than
    // the decoy, so it costs the decoy's verification as well: such an account is never quicker to reject than
    // an unknown user.
    const ok = hasher.needsRehash(stored)
      ? (await Promise.all([hasher.verify(stored, password), hasher.verify(decoy, password)]))[0]
      : await hasher.verify(stored, password);
    if (!user) return { outcome: 'unknown_user' };
    if (!ok) return { outcome: 'wrong_password', user };
    // A blocked user is told so only after the right password, so blocking reveals nothing to a guesser.
    if (user.blocked) return { outcome: 'blocked', user };
    return { outcome: 'ok', user: hasher.needsRehash(user.password_hash) ? await this.#rehash(user, password) : user };
  }

  /** Spends one verification without a user: for requests rejected before lookup, so cost never depends on input. */
  async spendVerification(password: string): Promise<void> {
    await this.#deps.hasher.verify(this.#deps.decoy, password);
  }

  /**
   * Lazy upgrade: a hash made with older parameters is replaced after a successful login. Returns the user as now
   * stored (the new hash, and no password_leaked_at, which a new hash clears), or as given when the hash changed meanwhile.
   */
  async #rehash(user: UserRecord, password: string): Promise<UserRecord> {
    const replacement = await this.#deps.hasher.hash(password);
    const replaced = await this.#deps.users.replacePasswordHash(user.id, user.password_hash, replacement, this.#deps.now());
    return replaced ? { ...user, password_hash: replacement, password_leaked_at: null } : user;
  }
}
