/**
 * DPoP proofs (RFC 9449 §4.3): one JWT in the DPoP header, of type dpop+jwt, signed with an accepted asymmetric
 * algorithm by the public key in its own jwk header, naming this request's method and URL, made within
 * `proofLifetime` seconds of now, with a jti never seen before (in the store every node shares); at a protected
 * resource also carrying the access token's hash (ath), and, when Tollgate requires them, a fresh nonce (§8).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { EmbeddedJWK, calculateJwkThumbprint, errors, jwtVerify, type JWK } from 'jose';
import { InvalidDpopProofError, UseDpopNonceError } from '../errors/oauth.ts';
import type { SingleUseStore } from '../storage/slices/single-use.ts';
import type { DpopNonces } from './nonce.ts';

/** A proof larger than this is refused unread: an RSA-4096 key and every claim fit in well under half. */
const MAX_PROOF_LENGTH = 8192;
const MAX_JTI_LENGTH = 256;

export type DpopEndpoint = 'token' | 'userinfo';

export interface DpopOptions {
  /** dpop.signing_algs: never none, never a symmetric one. */
  algs: readonly string[];
  /** dpop.proof_lifetime: seconds a proof is accepted either side of its iat. */
  proofLifetime: number;
  /** The URLs each endpoint is reached at (under the issuer, and its mTLS alias): what htu may name. */
  urls: Record<DpopEndpoint, readonly string[]>;
  singleUse: SingleUseStore;
  /** Present when dpop.require_nonce is set. */
  nonces: DpopNonces | undefined;
  now: () => number;
}

export interface DpopRequest {
  method: string;
  endpoint: DpopEndpoint;
  /** At a protected resource: the access token the proof must carry the hash of (ath). */
  accessToken?: string;
}

/** RFC 9449 §4.3 step 9: the URL without query and fragment, after syntax-based normalization (RFC 3986 §6.2.2). */
function normalizedUrl(value: unknown): string | undefined {
  if (typeof value !== 'string' || !URL.canParse(value)) return undefined;
  const url = new URL(value);
  return `${url.origin}${url.pathname}`;
}

function sameText(a: unknown, b: string): boolean {
  if (typeof a !== 'string') return false;
  const [x, y] = [Buffer.from(a), Buffer.from(b)];
  return x.length === y.length && timingSafeEqual(x, y);
}

export class DpopVerifier {
  readonly #options: DpopOptions;
  readonly #urls: Record<DpopEndpoint, Set<string>>;

  constructor(options: DpopOptions) {
    this.#options = options;
    const normalized = (urls: readonly string[]) => new Set(urls.map((u) => normalizedUrl(u)!));
    this.#urls = { token: normalized(options.urls.token), userinfo: normalized(options.urls.userinfo) };
  }

  get algs(): readonly string[] {
    return this.#options.algs;
  }

  /** The nonce source when nonces are required. */
  get nonces(): DpopNonces | undefined {
    return this.#options.nonces;
  }

  /** Verifies the DPoP header of a request; returns the thumbprint (jkt, RFC 7638) of the key it proves. */
  async verify(proof: string, request: DpopRequest): Promise<string> {
    const { algs, proofLifetime, singleUse, nonces, now } = this.#options;
    const invalid = (context: string) => new InvalidDpopProofError('The DPoP proof is invalid.', `dpop.proof: ${context}`);
    if (proof.length > MAX_PROOF_LENGTH) throw invalid('proof too large');
    let verified;
    try {
      // RFC 9449 §4.3 steps 2-6: one well-formed JWT, typ dpop+jwt, an accepted alg, signed by its public jwk.
      verified = await jwtVerify(proof, EmbeddedJWK, {
        typ: 'dpop+jwt', algorithms: [...algs], requiredClaims: ['jti', 'htm', 'htu', 'iat'], currentDate: new Date(now() * 1000),
      });
    } catch (err) {
      throw invalid(`proof: ${err instanceof errors.JOSEError ? err.code : 'not a JWT'}`);
    }
    const { payload, protectedHeader } = verified;
    const { jti, htm, htu, iat, ath, nonce } = payload as Record<string, unknown> & { iat: number };
    if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) throw invalid('unusable jti');
    if (htm !== request.method) throw invalid('htm is not the request method');
    const target = normalizedUrl(htu);
    if (target === undefined || !this.#urls[request.endpoint].has(target)) throw invalid('htu is not this endpoint');
    if (Math.abs(now() - iat) > proofLifetime) throw invalid('iat outside the accepted window');
    if (request.accessToken !== undefined && !sameText(ath, createHash('sha256').update(request.accessToken).digest('base64url'))) {
      throw invalid('ath is not the access token\'s hash');
    }
    if (nonces && (typeof nonce !== 'string' || !(await nonces.valid(nonce)))) throw new UseDpopNonceError(await nonces.current(), 'dpop.nonce');
    const jkt = await calculateJwkThumbprint(protectedHeader.jwk as JWK, 'sha256');
    // RFC 9449 §11.1: remembered while the proof could be accepted, on every node; checked last, so a refused proof uses up nothing.
    if (!(await singleUse.useOnce(`dpop:${jkt}:${jti}`, iat + proofLifetime + 1, now()))) throw invalid('jti replayed');
    return jkt;
  }
}
