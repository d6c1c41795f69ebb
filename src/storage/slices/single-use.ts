/**
 * Identifiers that may be used once (a client assertion's or DPoP proof's jti, a TOTP code): each is remembered
 * until it expires, so a replay before then is refused (RFC 7523 §3, RFC 9449 §11.1, RFC 6238 §5.2).
 */
export interface SingleUseStore {
  /** One atomic insert: true the first time `key` is used, false while an earlier use is remembered (until its `expiresAt`). */
  useOnce(key: string, expiresAt: number, now: number): Promise<boolean>;
}
