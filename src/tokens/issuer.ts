/**
 * Issues signed tokens: access tokens as JWTs per RFC 9068, ID tokens per
 * OIDC Core §2. Issuing is separate from storing (principle 6).
 */
import { CompactSign, jwtVerify, decodeProtectedHeader, type JWTPayload } from 'jose';
import type { KeyRing } from '../keys/keyring.ts';
import type { SigningAlg } from '../protocol/algorithms.ts';
import type { Confirmation } from '../model/tokens.ts';
import type { UserRecord } from '../model/user.ts';
import { scopeClaims } from './claims.ts';
import { randomBase64url } from './opaque.ts';

const utf8 = new TextEncoder();

export interface AccessTokenRequest {
  sub: string;
  clientId: string;
  scope: readonly string[];
  /** The API identifier, if the token is for an API. */
  audience: string | undefined;
  ttl: number;
  /** False for tokens without a user (client_credentials): /userinfo is never an audience then. */
  userinfo?: boolean;
  /** What the token is bound to (RFC 8705 §3.1), if anything. */
  cnf?: Confirmation | undefined;
  /** Custom claims (post-login actions); the registered claims are set after them, so they always win. */
  claims?: Record<string, unknown> | undefined;
  /** The refresh-token family it is issued with or from (refresh.ts sessionIdOf), so revoking the family denies it. */
  sid?: string | undefined;
}

export interface IdTokenRequest {
  user: UserRecord;
  clientId: string;
  scope: readonly string[];
  authTime: number;
  amr: readonly string[];
  alg: SigningAlg;
  /** Claims beyond the standard ones: the scope's claims, sub, aud, azp, auth_time, amr, iss, iat and exp are set over them. */
  claims?: Readonly<Record<string, unknown>>;
}

export interface AccessTokenClaims extends JWTPayload {
  sub: string;
  client_id: string;
  scope: string;
  jti: string;
  exp: number;
  iat: number;
  cnf?: Confirmation;
  sid?: string;
}

export class TokenIssuer {
  readonly issuer: string;
  readonly userinfoUrl: string;
  readonly #keys: KeyRing;
  readonly #alg: SigningAlg;
  readonly #idTokenTtl: number;
  readonly #now: () => number;

  constructor(opts: { issuer: string; userinfoUrl: string; keys: KeyRing; alg: SigningAlg; idTokenTtl: number; now: () => number }) {
    this.issuer = opts.issuer;
    this.userinfoUrl = opts.userinfoUrl;
    this.#keys = opts.keys;
    this.#alg = opts.alg;
    this.#idTokenTtl = opts.idTokenTtl;
    this.#now = opts.now;
  }

  /**
   * A JWS in compact form (RFC 7515 §7.1) whose payload is the claims set (RFC 7519 §7.1), signed by jose. The claims
   * are ours to build, so they are serialized once here rather than copied and checked by SignJWT on every token.
   */
  async #sign(claims: JWTPayload, typ: string, alg: SigningAlg, ttl: number): Promise<string> {
    const key = this.#keys.signingKey(alg);
    const iat = this.#now();
    const payload = utf8.encode(JSON.stringify({ ...claims, iss: this.issuer, iat, exp: iat + ttl }));
    return new CompactSign(payload).setProtectedHeader({ alg, kid: key.kid, typ }).sign(key.key);
  }

  /** RFC 9068 §2.2. The userinfo endpoint is an audience whenever openid is granted. */
  accessToken(req: AccessTokenRequest): Promise<string> {
    const forUserinfo = req.userinfo !== false && (req.scope.includes('openid') || !req.audience);
    const aud = [...(req.audience ? [req.audience] : []), ...(forUserinfo ? [this.userinfoUrl] : [])];
    return this.#sign({
      ...req.claims,
      sub: req.sub,
      aud: aud.length === 1 ? aud[0] : aud,
      client_id: req.clientId,
      azp: req.clientId,
      scope: req.scope.join(' '),
      jti: randomBase64url(16),
      ...(req.cnf ? { cnf: req.cnf } : {}),
      ...(req.sid === undefined ? {} : { sid: req.sid }),
    }, 'at+jwt', this.#alg, req.ttl);
  }

  /** OIDC Core §2 and §5.4. */
  idToken(req: IdTokenRequest): Promise<string> {
    return this.#sign({
      ...req.claims,
      ...scopeClaims(req.user, req.scope),
      sub: req.user.id,
      aud: req.clientId,
      azp: req.clientId,
      auth_time: req.authTime,
      amr: [...req.amr],
    }, 'JWT', req.alg, this.#idTokenTtl);
  }

  get defaultAlg(): SigningAlg {
    return this.#alg;
  }

  /** Verifies an access token Tollgate issued (RFC 9068 §4); throws on anything wrong. */
  async verifyAccessToken(token: string, audience?: string): Promise<AccessTokenClaims> {
    const { kid } = decodeProtectedHeader(token);
    const key = await this.#keys.verificationKey(kid);
    if (!key) throw new Error('unknown kid');
    const { payload } = await jwtVerify(token, key.key, {
      issuer: this.issuer,
      audience,
      typ: 'at+jwt',
      algorithms: [key.alg],
      currentDate: new Date(this.#now() * 1000),
      requiredClaims: ['sub', 'exp', 'iat', 'jti', 'client_id', 'scope'],
    });
    return payload as AccessTokenClaims;
  }
}
