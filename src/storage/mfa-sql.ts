/**
 * MfaStore in SQL that both dialects run unchanged (parameters as $n, rewritten for SQLite by its executor): every
 * single-use step is one conditional UPDATE ... RETURNING, so two nodes can never both consume a token or a code.
 */
import type { AuthenticatorRecord, MfaTokenRecord, OobChallengeRecord } from '../model/mfa.ts';
import type { MfaStore } from './slices/mfa.ts';
import { insertStatement as insert, type RunSql } from './portable-sql.ts';

type Row = Record<string, unknown>;

/** An enrolment not confirmed within a day is dropped. */
const UNCONFIRMED_TTL = 86_400;

/** Both stores share this schema; the column types mean the same in SQLite and PostgreSQL. */
export const MFA_MIGRATION_SQL = `
  CREATE TABLE mfa_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    connection TEXT NOT NULL,
    scope TEXT NOT NULL,
    audience TEXT,
    auth_time BIGINT NOT NULL,
    amr TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    consumed_at BIGINT
  );
  CREATE INDEX mfa_tokens_expiry ON mfa_tokens (expires_at);
  CREATE TABLE mfa_authenticators (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    type TEXT NOT NULL,
    oob_channel TEXT,
    address TEXT,
    secret TEXT,
    created_at BIGINT NOT NULL,
    activated_at BIGINT
  );
  CREATE INDEX mfa_authenticators_user ON mfa_authenticators (user_id, created_at);
  CREATE TABLE mfa_challenges (
    id TEXT PRIMARY KEY,
    mfa_token_id TEXT NOT NULL,
    authenticator_id TEXT NOT NULL,
    binding_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    polled_at BIGINT,
    consumed_at BIGINT
  );
  CREATE INDEX mfa_challenges_expiry ON mfa_challenges (expires_at);
`;

const TOKEN_COLUMNS = ['id', 'user_id', 'client_id', 'connection', 'scope', 'audience', 'auth_time', 'amr', 'created_at', 'expires_at', 'failures', 'consumed_at', 'login'] as const;
const AUTHENTICATOR_COLUMNS = ['id', 'user_id', 'type', 'oob_channel', 'address', 'secret', 'created_at', 'activated_at'] as const;
const CHALLENGE_COLUMNS = ['id', 'mfa_token_id', 'authenticator_id', 'binding_hash', 'created_at', 'expires_at', 'polled_at', 'consumed_at'] as const;

/** `login` is JSON text on both stores (JSONB in PostgreSQL, which hands it back parsed). */
function toMfaToken(row: Row): MfaTokenRecord {
  const login = typeof row.login === 'string' ? JSON.parse(row.login) : (row.login ?? null);
  return { ...(row as unknown as MfaTokenRecord), scope: JSON.parse(row.scope as string), amr: JSON.parse(row.amr as string), login };
}

export class SqlMfaStore implements MfaStore {
  readonly #run: RunSql;
  constructor(run: RunSql) {
    this.#run = run;
  }

  async createMfaToken(token: MfaTokenRecord): Promise<void> {
    const row = { ...token, scope: JSON.stringify(token.scope), amr: JSON.stringify(token.amr), login: token.login && JSON.stringify(token.login) };
    await this.#run(insert('mfa_tokens', TOKEN_COLUMNS), TOKEN_COLUMNS.map((c) => row[c]));
  }

  async findMfaToken(id: string): Promise<MfaTokenRecord | undefined> {
    const [row] = await this.#run(`SELECT ${TOKEN_COLUMNS.join(', ')} FROM mfa_tokens WHERE id = $1`, [id]);
    return row && toMfaToken(row);
  }

  async reserveMfaTokenAnswer(id: string, now: number, maxFailures: number): Promise<number> {
    const [row] = await this.#run(`UPDATE mfa_tokens SET failures = failures + 1
      WHERE id = $1 AND consumed_at IS NULL AND expires_at > $2 AND failures < $3 RETURNING failures`, [id, now, maxFailures]);
    return row ? Number(row.failures) : 0;
  }

  async releaseMfaTokenAnswer(id: string): Promise<void> {
    await this.#run('UPDATE mfa_tokens SET failures = failures - 1 WHERE id = $1 AND failures > 0 RETURNING id', [id]);
  }

  async consumeMfaToken(id: string, now: number, maxFailures: number): Promise<boolean> {
    return (await this.#run(`UPDATE mfa_tokens SET consumed_at = $2
      WHERE id = $1 AND consumed_at IS NULL AND expires_at > $2 AND failures < $3 RETURNING id`, [id, now, maxFailures])).length === 1;
  }

  async listAuthenticators(userId: string): Promise<AuthenticatorRecord[]> {
    return await this.#run(`SELECT ${AUTHENTICATOR_COLUMNS.join(', ')} FROM mfa_authenticators WHERE user_id = $1 ORDER BY created_at, id`, [userId]) as unknown as AuthenticatorRecord[];
  }

  async addAuthenticator(authenticator: AuthenticatorRecord): Promise<void> {
    await this.#run(insert('mfa_authenticators', AUTHENTICATOR_COLUMNS), AUTHENTICATOR_COLUMNS.map((c) => authenticator[c]));
  }

  async activateAuthenticator(id: string, now: number): Promise<boolean> {
    return (await this.#run('UPDATE mfa_authenticators SET activated_at = $2 WHERE id = $1 AND activated_at IS NULL RETURNING id', [id, now])).length === 1;
  }

  async replaceAuthenticatorSecret(id: string, expected: string, replacement: string): Promise<boolean> {
    return (await this.#run('UPDATE mfa_authenticators SET secret = $3 WHERE id = $1 AND secret = $2 RETURNING id', [id, expected, replacement])).length === 1;
  }

  async deleteAuthenticator(userId: string, id: string): Promise<boolean> {
    return (await this.#run('DELETE FROM mfa_authenticators WHERE user_id = $1 AND id = $2 RETURNING id', [userId, id])).length === 1;
  }

  async deleteUserAuthenticators(userId: string): Promise<number> {
    return (await this.#run('DELETE FROM mfa_authenticators WHERE user_id = $1 RETURNING id', [userId])).length;
  }

  async createOobChallenge(challenge: OobChallengeRecord): Promise<void> {
    await this.#run(insert('mfa_challenges', CHALLENGE_COLUMNS), CHALLENGE_COLUMNS.map((c) => challenge[c]));
  }

  async findOobChallenge(id: string): Promise<OobChallengeRecord | undefined> {
    const [row] = await this.#run(`SELECT ${CHALLENGE_COLUMNS.join(', ')} FROM mfa_challenges WHERE id = $1`, [id]);
    return row as OobChallengeRecord | undefined;
  }

  async pollOobChallenge(id: string, now: number, interval: number): Promise<boolean> {
    return (await this.#run(`UPDATE mfa_challenges SET polled_at = $2
      WHERE id = $1 AND (polled_at IS NULL OR polled_at <= $3) RETURNING id`, [id, now, now - interval])).length === 1;
  }

  async consumeOobChallenge(id: string, now: number): Promise<boolean> {
    return (await this.#run('UPDATE mfa_challenges SET consumed_at = $2 WHERE id = $1 AND consumed_at IS NULL AND expires_at > $2 RETURNING id', [id, now])).length === 1;
  }

  async purge(now: number): Promise<number> {
    const gone = await Promise.all([
      this.#run('DELETE FROM mfa_tokens WHERE expires_at <= $1 RETURNING id', [now]),
      this.#run('DELETE FROM mfa_challenges WHERE expires_at <= $1 RETURNING id', [now]),
      this.#run('DELETE FROM mfa_authenticators WHERE activated_at IS NULL AND created_at <= $1 RETURNING id', [now - UNCONFIRMED_TTL]),
    ]);
    return gone.reduce((sum, rows) => sum + rows.length, 0);
  }
}
