/**
 * What a resource server checks of a DPoP-bound access token (RFC 9449 §7.1), with jose: the proof in the DPoP header
 * is a JWT signed by the key in its own header (§4.3), for this request's method and URL, fresh, used once, carrying
 * the hash of this access token (`ath`), and made with the very key the token is bound to (`cnf.jkt`, §6.1).
 */
import { createHash } from 'node:crypto';
import { EmbeddedJWK, calculateJwkThumbprint, jwtVerify } from 'jose';

/** Asymmetric algorithms only (§4.3: never none, never a MAC); announced in the WWW-Authenticate challenge (§7.1). */
export const PROOF_ALGS = ['ES256', 'ES384', 'EdDSA', 'PS256', 'RS256'];
/** Seconds a proof is accepted after (and, for clock skew, before) its iat (§11.1). */
const PROOF_LIFETIME = 60;

export class ProofError extends Error {}

/** The jti of proofs seen within their lifetime: a replayed proof is refused (§11.1). */
export class SeenProofs {
  readonly #seen = new Map<string, number>();

  /** False when `jti` was seen already; forgets the ones past their lifetime. */
  firstUse(jti: string, now: number): boolean {
    for (const [seen, until] of this.#seen) if (until < now) this.#seen.delete(seen);
    if (this.#seen.has(jti)) return false;
    this.#seen.set(jti, now + 2 * PROOF_LIFETIME);
    return true;
  }
}

export interface ProofRequest {
  proof: string;
  method: string;
  /** The request's URL without query and fragment (§4.3: htu). */
  url: string;
  accessToken: string;
  /** The access token's cnf.jkt: the thumbprint (RFC 7638) of the key it is bound to. */
  jkt: string;
}

export async function verifyProof(req: ProofRequest, seen: SeenProofs, now = Math.floor(Date.now() / 1000)): Promise<void> {
  const { payload, protectedHeader } = await jwtVerify(req.proof, EmbeddedJWK, {
    typ: 'dpop+jwt', algorithms: PROOF_ALGS, maxTokenAge: PROOF_LIFETIME, clockTolerance: 5, currentDate: new Date(now * 1000),
  }).catch((err: Error) => {
    throw new ProofError(`invalid DPoP proof: ${err.message}`);
  });
  if (payload.htm !== req.method) throw new ProofError('the DPoP proof is for another method');
  if (payload.htu !== req.url) throw new ProofError('the DPoP proof is for another URL');
  const ath = createHash('sha256').update(req.accessToken).digest('base64url');
  if (payload.ath !== ath) throw new ProofError('the DPoP proof is for another access token');
  if (!protectedHeader.jwk || (await calculateJwkThumbprint(protectedHeader.jwk)) !== req.jkt) throw new ProofError('the DPoP proof is signed by another key than the token is bound to');
  if (typeof payload.jti !== 'string' || !seen.firstUse(payload.jti, now)) throw new ProofError('the DPoP proof was used before');
}
