/**
 * The contract between Tollgate and a post-login action (Auth0's Actions, which replaced its Rules): the event an
 * action reads and the API it calls. Operator modules import these types:
 *
 *   import type { Action } from 'tollgate/actions';
 *   export const onExecutePostLogin: Action['onExecutePostLogin'] = async (event, api) => { ... };
 *
 * Everything here is a copy: changing the event changes nothing, only API calls do.
 */

import type { ActionFactor, JsonValue, LoginProtocol } from '../model/login.ts';

export type { ActionFactor, JsonValue, LoginProtocol };

export interface PostLoginEvent {
  user: {
    /** The `sub` of the tokens. */
    sub: string;
    /** The same value, under Auth0's name for it. */
    user_id: string;
    connection: string;
    username: string;
    email: string | null;
    email_verified: boolean;
    name: string | null;
    given_name: string | null;
    family_name: string | null;
    nickname: string | null;
    picture: string | null;
    user_metadata: Record<string, unknown>;
    app_metadata: Record<string, unknown>;
  };
  client: { client_id: string; name: string | null; metadata: Record<string, string> };
  request: { ip: string; user_agent: string | null };
  transaction: {
    protocol: LoginProtocol;
    /** The scopes the request asked for (before the client's and API's limits applied). */
    requested_scopes: string[];
    /** The scopes the tokens will carry. */
    granted_scopes: string[];
    audience: string | null;
  };
  authentication: {
    /** What the user has shown so far, oldest first; `timestamp` in Unix seconds (RFC 8176 method names). */
    methods: { name: string; timestamp: number }[];
  };
}

export interface PostLoginApi {
  accessToken: {
    /** A claim in the access token: a namespaced name (an http or https URL) unless allowlisted in `custom_claims.allow`. */
    setCustomClaim(name: string, value: JsonValue): void;
    /**
     * Takes a granted scope out of this login's tokens (Auth0's api.accessToken.removeScope): the access token, the
     * answer's `scope`, and the refresh tokens of the login, so every refresh keeps it out. Removing `offline_access`
     * means no refresh token; `openid`, no ID token. A scope not granted is ignored. Scopes can only be removed.
     */
    removeScope(scope: string): void;
  };
  idToken: {
    /** A claim in the ID token, under the same naming rule. */
    setCustomClaim(name: string, value: JsonValue): void;
  };
  access: {
    /** Ends the login with 403 access_denied; `reason` is the error_description. Later actions do not run. */
    deny(reason: string): void;
  };
  multifactor: {
    /** Requires a second factor (answered `mfa_required`), unless the user has already shown one in this login. */
    enable(factor?: ActionFactor): void;
  };
  user: {
    /** Stored when the whole pipeline succeeds; `null` removes the key. Later actions see the new value. */
    setAppMetadata(name: string, value: JsonValue): void;
    setUserMetadata(name: string, value: JsonValue): void;
  };
  redirect: {
    /** Always fails the login with invalid_request: a password exchange has no browser to redirect. */
    sendUserTo(url: string, options?: unknown): void;
  };
}

/** What an action module exports (named, or as its default export). */
export interface Action {
  onExecutePostLogin(event: PostLoginEvent, api: PostLoginApi): void | Promise<void>;
}
