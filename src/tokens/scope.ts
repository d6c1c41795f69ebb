/** Scope arithmetic (RFC 6749 §3.3): granted = requested ∩ what the client may have ∩ what exists. */
import { InvalidScopeError } from '../errors/oauth.ts';

/** Scopes OpenID Connect defines (OIDC Core §5.4, §11) that Tollgate serves. */
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export function parseScope(value: string | undefined): string[] {
  if (value === undefined) return [];
  const tokens = value.split(' ').filter((t) => t !== '');
  for (const t of tokens) {
    if (!SCOPE_TOKEN.test(t)) throw new InvalidScopeError('The scope parameter is malformed.');
  }
  return [...new Set(tokens)];
}

export interface ScopeRules {
  /** Scopes of the audience API, if there is one. */
  apiScopes: readonly string[];
  /** Every scope any API defines: a requested scope outside all of them (and OIDC's) is an error. */
  knownScopes: ReadonlySet<string>;
  /** What the client may be granted; null means everything that exists. */
  clientScope: string | null;
  /** offline_access is granted only to clients that can use a refresh token. */
  offlineAccess: boolean;
}

export function grantScope(requested: string | undefined, rules: ScopeRules): string[] {
  const exists = new Set<string>([...OIDC_SCOPES, ...rules.apiScopes]);
  if (!rules.offlineAccess) exists.delete('offline_access');
  const allowed = rules.clientScope === null ? exists : new Set(parseScope(rules.clientScope));
  const asked = parseScope(requested);
  for (const s of asked) {
    if (!rules.knownScopes.has(s) && !(OIDC_SCOPES as readonly string[]).includes(s)) {
      throw new InvalidScopeError(`The scope "${s}" does not exist.`);
    }
  }
  if (requested === undefined) {
    // No scope asked: everything the client may have here, except a long-lived session it did not ask for.
    return [...exists].filter((s) => allowed.has(s) && s !== 'offline_access');
  }
  return asked.filter((s) => exists.has(s) && allowed.has(s));
}
