/**
 * DPoP server nonces (RFC 9449 §8): a short JWT Tollgate signs with its own current key, holding only when it was
 * made. Every node verifies it with the shared signing keys, so a nonce from one node is good on all of them,
 * with no state to share. A node hands out one nonce per half lifetime, so a nonce it hands out stays valid for
 * at least half of `lifetime`.
 */
import { SignJWT, decodeProtectedHeader, jwtVerify } from 'jose';
import type { KeyRing } from '../keys/keyring.ts';
import type { SigningAlg } from '../protocol/algorithms.ts';

const TYP = 'dpop-nonce+jwt';

export interface DpopNonceOptions {
  keys: KeyRing;
  alg: SigningAlg;
  issuer: string;
  /** Seconds a nonce is accepted (dpop.nonce_lifetime). */
  lifetime: number;
  now: () => number;
}

export class DpopNonces {
  readonly #options: DpopNonceOptions;
  #current: { madeAt: number; nonce: Promise<string> } | undefined;

  constructor(options: DpopNonceOptions) {
    this.#options = options;
  }

  /** The nonce to hand out now, shared by every client until the next half lifetime. */
  current(): Promise<string> {
    const { keys, alg, issuer, lifetime, now } = this.#options;
    const half = Math.max(1, Math.floor(lifetime / 2));
    const at = now();
    const madeAt = at - (at % half);
    if (this.#current?.madeAt !== madeAt) {
      const key = keys.signingKey(alg);
      const nonce = new SignJWT({}).setProtectedHeader({ alg, kid: key.kid, typ: TYP }).setIssuer(issuer).setIssuedAt(madeAt).sign(key.key);
      this.#current = { madeAt, nonce };
    }
    return this.#current.nonce;
  }

  /** Whether `nonce` is one a Tollgate node of this issuer made within the last `lifetime` seconds. */
  async valid(nonce: string): Promise<boolean> {
    const { keys, issuer, lifetime, now } = this.#options;
    try {
      const key = await keys.verificationKey(decodeProtectedHeader(nonce).kid);
      if (!key) return false;
      const { payload } = await jwtVerify(nonce, key.key, {
        typ: TYP, issuer, algorithms: [key.alg], requiredClaims: ['iat'], currentDate: new Date(now() * 1000),
      });
      const age = now() - payload.iat!;
      return age >= 0 && age <= lifetime;
    } catch {
      return false;
    }
  }
}
