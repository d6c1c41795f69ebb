/**
 * Which buckets of the request rate limit a token request takes from, by who its client is. By default, the
 * address it comes from. A confidential client can have other ones, so its request is counted once it has
 * authenticated: the end user's address, when a client with trust_forwarded_for names it in tollgate-forwarded-for
 * (Auth0's rule for server-side apps: otherwise one backend logging many users in shares one address's limit),
 * and the client's own bucket, when the configuration gives it a `rate_limit`. Waiting for authentication must
 * not let anyone past the address's limit by naming such a client: until the client has proven itself, the
 * address's bucket must not be empty, and a request that fails before it has is counted against the address.
 */
import type { ClientRecord } from '../model/client.ts';
import { endUserIp } from './forwarded-for.ts';
import type { RateBucket, RatePolicy, RequestRateLimit } from './rate-limit.ts';

/** What the token endpoint calls for a request counted after client authentication. */
export interface DeferredRateLimit {
  /** The client has authenticated: takes from its buckets, or throws 429. */
  authenticated(client: ClientRecord): Promise<void>;
  /** The request failed before its client authenticated: counted against the address, its answer unchanged. */
  failed(): Promise<void>;
}

export class ClientRateLimits {
  readonly #limit: RequestRateLimit;
  readonly #own: ReadonlyMap<string, RatePolicy>;

  /** `own`: the clients with a limit of their own (clients[].rate_limit), by client_id. */
  constructor(limit: RequestRateLimit, own: ReadonlyMap<string, RatePolicy>) {
    this.#limit = limit;
    this.#own = own;
  }

  /** The buckets of an authenticated client's request from `networkIp`. */
  bucketsOf(client: ClientRecord, networkIp: string, forwardedFor: string | undefined): RateBucket[] {
    const buckets: RateBucket[] = [];
    const named = forwardedFor === undefined ? undefined : endUserIp(client, networkIp, forwardedFor);
    if (named && !named.ignored) buckets.push({ ip: named.ip });
    const own = this.#own.get(client.client_id);
    if (own) buckets.push({ clientId: client.client_id, policy: own });
    return buckets.length > 0 ? buckets : [{ ip: networkIp }];
  }

  /**
   * Admits a request whose claimed client is `claimed` (unverified): counted against the address now, or, when the
   * client may have buckets of its own, checked against the address's empty bucket now and counted later.
   */
  async admit(claimed: ClientRecord | undefined, networkIp: string, forwardedFor: string | undefined): Promise<DeferredRateLimit | undefined> {
    const address: RateBucket[] = [{ ip: networkIp }];
    if (!claimed || !this.#countedLater(claimed, forwardedFor)) {
      await this.#limit.take(address);
      return undefined;
    }
    await this.#limit.refuseIfDry(networkIp);
    return {
      authenticated: (client) => this.#limit.take(this.bucketsOf(client, networkIp, forwardedFor)),
      failed: () => this.#limit.take(address).catch(() => {}),
    };
  }

  #countedLater(client: ClientRecord, forwardedFor: string | undefined): boolean {
    if (client.token_endpoint_auth_method === 'none') return false;
    if (this.#own.has(client.client_id)) return true;
    return forwardedFor !== undefined && endUserIp(client, '', forwardedFor).ignored === undefined;
  }
}

/** The configured clients' own limits, by client_id. */
export function ownLimits(clients: readonly { client_id: string; rate_limit?: { requests_per_second: number; burst: number } | undefined }[]): Map<string, RatePolicy> {
  return new Map(clients.flatMap((c) => (c.rate_limit ? [[c.client_id, { requestsPerSecond: c.rate_limit.requests_per_second, burst: c.rate_limit.burst }] as const] : [])));
}
