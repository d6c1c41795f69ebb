/**
 * Which custom claims an action may set. Claims Tollgate itself asserts (RFC 7519 §4.1, RFC 9068 §2.2, OIDC Core
 * §2, RFC 8176, RFC 7800) are never settable: a resource server trusts them to mean what the server checked. Other
 * names must be namespaced, an http(s) URL such as `https://app.example.com/roles`, so they cannot collide with a
 * claim a later standard defines (OIDC Core §5.1.2), unless the operator allowlists them.
 */
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../protocol/json-depth.ts';

export const REGISTERED_CLAIMS: ReadonlySet<string> = new Set([
  'iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'scope', 'azp', 'client_id', 'amr', 'auth_time', 'cnf', 'nonce',
  'acr', 'sid', 'at_hash', 'c_hash', 'typ', 'act', 'may_act',
]);

/** Largest JSON size of one token's custom claims, so an action cannot grow tokens past what headers carry. */
export const MAX_CUSTOM_CLAIMS_BYTES = 8192;

export function isNamespaced(name: string): boolean {
  if (!URL.canParse(name)) return false;
  const { protocol, hostname } = new URL(name);
  return (protocol === 'https:' || protocol === 'http:') && hostname !== '';
}

/** Why `name` may not be set, or undefined when it may. */
export function claimNameProblem(name: string, allowed: ReadonlySet<string>): string | undefined {
  if (REGISTERED_CLAIMS.has(name)) return `"${name}" is a registered claim Tollgate sets itself`;
  if (isNamespaced(name) || allowed.has(name)) return undefined;
  return `"${name}" is not namespaced: use an http(s) URL such as "https://example.com/${name}", or list it in custom_claims.allow`;
}

/** Why `value` cannot be a claim (or metadata) value, or undefined when it can: JSON only, round-tripping unchanged. */
export function claimValueProblem(value: unknown, what = 'claim value'): string | undefined {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') {
    return `a ${what} must be JSON, not ${typeof value}`;
  }
  // The value sits one level inside its object (the claims, the metadata), which may nest MAX_JSON_DEPTH levels in all.
  if (nestedDeeperThan(value, MAX_JSON_DEPTH - 1)) return `a ${what} may nest at most ${MAX_JSON_DEPTH - 1} levels of objects and arrays`;
  try {
    JSON.stringify(value);
  } catch {
    return `a ${what} must be JSON (this one cannot be serialized)`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return `a ${what} must be a finite number`;
  return undefined;
}
