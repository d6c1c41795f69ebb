/** The shape every client authentication method shares (one file per method, registered in registry.ts). */
import type { X509Certificate } from 'node:crypto';
import type { PasswordHasher } from '../accounts/passwords.ts';
import type { ClientRecord } from '../model/client.ts';
import type { SingleUseStore } from '../storage/slices/single-use.ts';
import type { Params } from '../protocol/params.ts';
import type { ClientAuthMethod } from '../protocol/client-auth-methods.ts';
import type { ClientKeys } from './client-keys.ts';
import type { Detail } from '../errors/details.ts';

export interface AuthInput {
  params: Params;
  authorization: string | undefined;
  /** The TLS client certificate of the request (RFC 8705 §2), from Tollgate's own TLS or a trusted proxy. */
  certificate?: X509Certificate | undefined;
}

/** What a request presented: who it claims to be, and the proof. */
export interface Presented {
  /**
   * The method whose proof the request carries; undefined when it carries none and the client names itself by
   * client_id alone: `none`, or a TLS certificate method, as the client's registration says.
   */
  method?: ClientAuthMethod;
  clientId: string;
  /** True when the credentials came in the Authorization header (RFC 6749 §5.2: answer 401). */
  viaHeader: boolean;
  secret?: string;
  /** A JWT client assertion (RFC 7523 §2.2). */
  assertion?: string;
  certificate?: X509Certificate;
}

export interface ClientAuthDeps {
  hasher: PasswordHasher;
  /** client_secret_jwt: each such client's secret from the configuration, the HMAC key; never written to the store. */
  hmacSecrets: ReadonlyMap<string, string>;
  /** private_key_jwt, self_signed_tls_client_auth: the client's registered keys (jwks or jwks_uri). */
  clientKeys: ClientKeys;
  /** RFC 7523 §3: the values an assertion's aud may hold (the issuer and the token endpoint URLs). */
  assertionAudiences: readonly string[];
  /** Remembers assertion jtis until they expire, on every node (RFC 7523 §3 item 7). */
  singleUse: SingleUseStore;
  /** tls_client_auth: the CA certificates client certificates must chain to (tls.client_ca). */
  trustedCas: readonly X509Certificate[];
  /** Unix seconds. */
  now: () => number;
}

/** A method's answer: verified, or refused with a private reason (for logs and events, never the response). */
export type Verdict = { ok: true } | { ok: false; detail: Detail };
export const VERIFIED: Verdict = { ok: true };
export const refused = (detail: Detail): Verdict => ({ ok: false, detail });

export interface ClientAuthMethodModule {
  name: ClientAuthMethod;
  /**
   * This method's credentials in the request, or undefined when it carries none of them. Throws on malformed ones.
   * Methods with no proof in the request itself (none, the TLS certificate methods) have no extract.
   */
  extract?(input: AuthInput): Presented | undefined;
  /** Verifies the presented proof for the registered client. */
  verify(presented: Presented, client: ClientRecord, deps: ClientAuthDeps): Promise<Verdict>;
}
