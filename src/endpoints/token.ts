/**
 * POST {issuer}/oauth/token as a short list of named steps (RFC 6749 §3.2),
 * framework-free: the HTTP layer hands in parsed parameters.
 */
import {
  InvalidDpopProofError, InvalidRequestError, OAuthError, TooManyRequestsError, UnauthorizedClientError, UnsupportedGrantTypeError,
} from '../errors/oauth.ts';
import { authenticateClient, claimedClientId } from '../client-auth/registry.ts';
import type { ClientAuthDeps } from '../client-auth/method.ts';
import type { X509Certificate } from 'node:crypto';
import type { ClientRecord } from '../model/client.ts';
import type { ClientStore } from '../storage/slices/clients.ts';
import type { Confirmation } from '../model/tokens.ts';
import { certificatePossession } from '../tokens/confirmation.ts';
import type { DpopVerifier } from '../dpop/proof.ts';
import { endUserIp } from '../protection/forwarded-for.ts';
import type { DeferredRateLimit } from '../protection/client-rate-limit.ts';
import type { Params } from '../protocol/params.ts';
import type { Grant, RequestInfo } from '../grants/grant.ts';
import type { TokenResponse } from '../protocol/token-response.ts';
import { findGrant } from '../grants/registry.ts';
import type { TokenServices } from '../tokens/token-services.ts';

export interface TokenEndpointDeps {
  clients: ClientStore;
  clientAuth: ClientAuthDeps;
  services: TokenServices;
  dpop: DpopVerifier;
  /** Runs a step in a trace span of its own, when tracing is on. */
  span?: <T>(name: string, work: () => Promise<T>) => Promise<T>;
}

const untraced = <T>(_name: string, work: () => Promise<T>): Promise<T> => work();

export interface TokenRequest {
  params: Params;
  authorization: string | undefined;
  /** The TLS client certificate (RFC 8705): Tollgate's own TLS, or a trusted proxy's header. */
  certificate?: X509Certificate | undefined;
  /** The DPoP header (RFC 9449 §4.1), if any. */
  dpop?: string | undefined;
  request: RequestInfo;
  /** The rate limit still to take once the client has authenticated, when its client may have buckets of its own. */
  rateLimit?: DeferredRateLimit | undefined;
}

/** What differs where these steps serve another wire format: the legacy /oauth/ro (endpoints/legacy-resource-owner.ts). */
export interface TokenEndpointVariant {
  /** The grant serving `grantType` here, if any. */
  findGrant(grantType: string): Grant | undefined;
  /**
   * Whether a client_secret_basic client may send its secret in the body instead (RFC 6749 §2.3.1 lets the server
   * accept it): legacy SDKs send everything as one JSON object.
   */
  secretInBody: boolean;
  /** Whether its tokens are bearer tokens only: no proof of possession is read, and clients registered for bound tokens are refused. */
  bearerOnly: boolean;
}

const TOKEN_ENDPOINT: TokenEndpointVariant = { findGrant, secretInBody: false, bearerOnly: false };

function lookupGrant(params: Params, variant: TokenEndpointVariant): Grant {
  const grantType = params.get('grant_type');
  if (grantType === undefined) throw new InvalidRequestError('Missing required parameter: grant_type.');
  const grant = variant.findGrant(grantType);
  if (!grant) throw new UnsupportedGrantTypeError(`The grant type "${grantType}" is not supported.`);
  return grant;
}

/** Keeps only what the grant declared: an undeclared parameter can never change a grant's behaviour. */
function declaredParameters(params: Params, grant: Grant): Params {
  return new Map(grant.parameters.flatMap((name) => {
    const value = params.get(name);
    return value === undefined ? [] : [[name, value] as const];
  }));
}

/**
 * What the request proves possession of: its TLS client certificate (RFC 8705 §3) and its DPoP proof's key (RFC
 * 9449 §5). A client registered for bound tokens of either kind must prove it.
 */
async function possessionOf(client: ClientRecord, req: TokenRequest, dpop: DpopVerifier): Promise<Confirmation> {
  const possession = certificatePossession(req.certificate);
  if (req.dpop !== undefined) possession.jkt = await dpop.verify(req.dpop, { method: 'POST', endpoint: 'token' });
  if (client.tls_client_certificate_bound_access_tokens && !possession['x5t#S256']) {
    throw new InvalidRequestError('This client\'s tokens are bound to its TLS client certificate, and the request presented none (RFC 8705 §3).');
  }
  if (client.dpop_bound_access_tokens && !possession.jkt) throw new InvalidDpopProofError('This client must send a DPoP proof (RFC 9449 §5.2).', 'dpop.missing');
  return possession;
}

/** Where only bearer tokens are issued, a client registered for sender-constrained ones must not get any. */
function bearerPossession(client: ClientRecord): Confirmation {
  if (client.tls_client_certificate_bound_access_tokens || client.dpop_bound_access_tokens) {
    throw new UnauthorizedClientError('This client\'s tokens must be sender-constrained, and this endpoint issues bearer tokens only.');
  }
  return {};
}

/** The IP protection counts: the end user's when a trusted client vouches for it, else the network's. */
async function requestFrom(client: ClientRecord, req: TokenRequest, services: TokenServices): Promise<RequestInfo> {
  const { ip, ignored } = endUserIp(client, req.request.ip, req.request.forwardedFor);
  if (ignored) {
    await services.audit.emit({
      type: 'forwarded_for.ignored', outcome: 'failure', reason: ignored, client_id: client.client_id, ip, user_agent: req.request.userAgent ?? null,
    });
  }
  return { ip, userAgent: req.request.userAgent };
}

export async function tokenEndpoint(req: TokenRequest, deps: TokenEndpointDeps, variant = TOKEN_ENDPOINT): Promise<TokenResponse> {
  const { audit } = deps.services;
  // Read before anything waits, so a grant can tell what happened before this request arrived from what happened while it waited.
  const receivedAt = deps.services.now();
  const span = deps.span ?? untraced;
  let client: ClientRecord | undefined;
  try {
    ({ client } = await span('client_authentication', () => authenticateClient(req, deps.clients, deps.clientAuth, variant.secretInBody && req.authorization === undefined)));
    await req.rateLimit?.authenticated(client);
    const grant = lookupGrant(req.params, variant);
    if (!client.grant_types.includes(grant.grantType)) {
      throw new UnauthorizedClientError(`The client is not allowed to use the grant type "${grant.grantType}".`);
    }
    const possession = variant.bearerOnly ? bearerPossession(client) : await possessionOf(client, req, deps.dpop);
    const request = await requestFrom(client, req, deps.services);
    const context = { params: declaredParameters(req.params, grant), client, request, services: deps.services, possession, receivedAt };
    return await span(`grant ${grant.grantType}`, () => grant.handle(context));
  } catch (err) {
    if (client === undefined) await req.rateLimit?.failed();
    // Logins describe themselves; every other refused exchange is recorded here, by its error code only. A request
    // refused by the rate limit is not: its bucket running dry is one ip.rate_limited event, not one per request.
    if (!audit.wasReported(err) && !(err instanceof TooManyRequestsError)) {
      await audit.emit({
        type: 'token.failure', outcome: 'failure', reason: err instanceof OAuthError ? err.error : 'server_error',
        client_id: client?.client_id ?? claimedClientId(req), ip: req.request.ip, user_agent: req.request.userAgent ?? null,
      });
    }
    throw err;
  }
}
