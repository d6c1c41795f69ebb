/** The shape every client authentication method shares (one file per method, registered in registry.ts). */
import type { PasswordHasher } from '../accounts/passwords.ts';
import type { ClientRecord } from '../storage/interfaces.ts';
import type { Params } from '../http/params.ts';
import type { ClientAuthMethod } from './names.ts';

export interface AuthInput {
  params: Params;
  authorization: string | undefined;
}

/** What a request presented for one method: who it claims to be, and the proof. */
export interface Presented {
  method: ClientAuthMethod;
  clientId: string;
  /** True when the credentials came in the Authorization header (RFC 6749 §5.2: answer 401). */
  viaHeader: boolean;
  secret?: string;
}

export interface ClientAuthDeps {
  hasher: PasswordHasher;
}

export interface ClientAuthMethodModule {
  name: ClientAuthMethod;
  /** This method's credentials in the request, or undefined when it carries none of them. Throws on malformed ones. */
  extract(input: AuthInput): Presented | undefined;
  /** Verifies the presented proof for the registered client. */
  verify(presented: Presented, client: ClientRecord, deps: ClientAuthDeps): Promise<boolean>;
}
