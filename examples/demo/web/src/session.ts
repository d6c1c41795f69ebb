/**
 * The signed-in session, in memory only (never localStorage, where any script or extension with page access could
 * read it at leisure): the DPoP-bound tokens, renewed with the rotating refresh token before the access token
 * expires, and revoked at log out (RFC 7009) together with the key.
 */
import { forgetKey } from './dpop-key.ts';
import { type AppConfig, revokeRefreshToken, tokenRequest, type Tokens } from './tollgate.ts';

export class Session {
  readonly #config: AppConfig;
  readonly #key: CryptoKeyPair;
  #tokens: Tokens;
  #timer: ReturnType<typeof setTimeout> | undefined;
  refreshes = 0;
  /** Told after each renewal, and when one fails (the session is then over). */
  onChange: (event: 'refreshed' | 'expired') => void = () => {};

  constructor(config: AppConfig, key: CryptoKeyPair, tokens: Tokens) {
    this.#config = config;
    this.#key = key;
    this.#tokens = tokens;
    this.#schedule();
  }

  get accessToken(): string {
    return this.#tokens.access_token;
  }

  get scopes(): string[] {
    return this.#tokens.scope.split(' ');
  }

  get key(): CryptoKeyPair {
    return this.#key;
  }

  /** When the access token expires (ms since the epoch, by this browser's clock). */
  expiresAt = 0;

  /** Renews a little before expiry: a fifth of the lifetime early, at most a minute, so a slow network still makes it. */
  #schedule(): void {
    const lifetime = this.#tokens.expires_in;
    this.expiresAt = Date.now() + lifetime * 1000;
    if (!this.#tokens.refresh_token) return;
    this.#timer = setTimeout(() => void this.refresh(), (lifetime - Math.min(60, lifetime / 5)) * 1000);
  }

  async refresh(): Promise<void> {
    const refreshToken = this.#tokens.refresh_token;
    if (!refreshToken) return;
    try {
      // The refresh token is DPoP-bound too (a public client's, RFC 9449 §5): the proof comes from the same key.
      this.#tokens = await tokenRequest(this.#config, this.#key, { grant_type: 'refresh_token', refresh_token: refreshToken });
      this.refreshes += 1;
      this.#schedule();
      this.onChange('refreshed');
    } catch {
      this.onChange('expired');
    }
  }

  /** Revokes the refresh token (and the access tokens issued from it), then forgets the tokens and the key. */
  async logOut(): Promise<void> {
    clearTimeout(this.#timer);
    const refreshToken = this.#tokens.refresh_token;
    this.#tokens = { access_token: '', expires_in: 0, scope: '' };
    try {
      if (refreshToken) await revokeRefreshToken(this.#config, refreshToken);
    } finally {
      await forgetKey();
    }
  }
}
