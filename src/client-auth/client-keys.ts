/**
 * A client's public keys (RFC 7591 §2 `jwks` or `jwks_uri`) for private_key_jwt and self_signed_tls_client_auth.
 * A jwks_uri is fetched with a timeout and a size limit, kept for CACHE_TTL seconds, and fetched again when a
 * request names a key the set lacks (the client rotated), at most once per REFETCH_INTERVAL so a stream of
 * made-up kids cannot turn Tollgate against the client's server.
 */
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { ClientRecord } from '../model/client.ts';

export const FETCH_TIMEOUT_MS = 5000;
export const MAX_JWKS_BYTES = 64 * 1024;
/** Seconds a fetched key set is used before it is fetched again. */
export const CACHE_TTL = 600;
/** Seconds between two fetches of one jwks_uri for an unknown key, or after a failure. */
export const REFETCH_INTERVAL = 30;

/** No key of the client's set fits what was presented: a key set fetched earlier than the client's rotation. */
export class NoMatchingKey extends errors.JWKSNoMatchingKey {}

export interface ClientKeysOptions {
  /** Unix seconds. */
  now: () => number;
  /** Default FETCH_TIMEOUT_MS; tests shorten it. */
  timeoutMs?: number;
  maxBytes?: number;
}

interface Fetched {
  at: number;
  keys: Promise<JSONWebKeySet>;
  /** Set once the fetch settles, so a failure is retried after REFETCH_INTERVAL rather than CACHE_TTL. */
  failed: boolean;
}

function isKeySet(value: unknown): value is JSONWebKeySet {
  return typeof value === 'object' && value !== null && Array.isArray((value as { keys?: unknown }).keys)
    && (value as { keys: unknown[] }).keys.every((k) => typeof k === 'object' && k !== null && !Array.isArray(k));
}

/** GETs a JWK Set: no redirects, at most `maxBytes`, within `timeoutMs` for headers and body together. */
export async function fetchKeySet(uri: string, timeoutMs: number, maxBytes: number): Promise<JSONWebKeySet> {
  const res = await fetch(uri, {
    signal: AbortSignal.timeout(timeoutMs), redirect: 'error', headers: { accept: 'application/jwk-set+json, application/json' },
  });
  if (!res.ok || !res.body) throw new Error(`jwks_uri answered ${res.status}`);
  if (Number(res.headers.get('content-length') ?? 0) > maxBytes) throw new Error(`jwks_uri body is over ${maxBytes} bytes`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new Error(`jwks_uri body is over ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  const keys: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  if (!isKeySet(keys)) throw new Error('jwks_uri did not return a JWK Set');
  return keys;
}

export class ClientKeys {
  readonly #now: () => number;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  /** By jwks_uri: the configured clients' URIs only, so this stays bounded. */
  readonly #fetched = new Map<string, Fetched>();
  /** Each key set's verifier, so its keys are imported once rather than per request. */
  readonly #verifiers = new WeakMap<JSONWebKeySet, JWTVerifyGetKey>();

  constructor(options: ClientKeysOptions) {
    this.#now = options.now;
    this.#timeoutMs = options.timeoutMs ?? FETCH_TIMEOUT_MS;
    this.#maxBytes = options.maxBytes ?? MAX_JWKS_BYTES;
  }

  /** The client's key set; `again` asks for a fresh fetch of its jwks_uri, granted once per REFETCH_INTERVAL. */
  keySet(client: ClientRecord, again = false): Promise<JSONWebKeySet> {
    if (client.jwks) return Promise.resolve(client.jwks);
    if (!client.jwks_uri) return Promise.reject(new Error('the client registered no keys'));
    const uri = client.jwks_uri;
    const now = this.#now();
    const cached = this.#fetched.get(uri);
    const age = cached ? now - cached.at : Infinity;
    if (cached && age < CACHE_TTL && !((again || cached.failed) && age >= REFETCH_INTERVAL)) return cached.keys;
    // A failed fetch keeps the keys fetched before it: an outage of the client's server does not lock it out.
    const entry: Fetched = { at: now, failed: false, keys: Promise.resolve({ keys: [] }) };
    entry.keys = fetchKeySet(uri, this.#timeoutMs, this.#maxBytes).catch((err: unknown) => {
      entry.failed = true;
      if (cached && !cached.failed) return cached.keys;
      throw err;
    });
    this.#fetched.set(uri, entry);
    return entry.keys;
  }

  /**
   * Runs `use` with the client's keys (and a JWT verifier over them). When it throws NoMatchingKey (jose's
   * JWKSNoMatchingKey too) and the keys come from a jwks_uri, they are fetched once more and `use` runs again.
   */
  async withKeys<T>(client: ClientRecord, use: (keys: JSONWebKeySet, verifier: JWTVerifyGetKey) => Promise<T>): Promise<T> {
    const keys = await this.keySet(client);
    try {
      return await use(keys, this.#verifier(keys));
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey) || !client.jwks_uri) throw err;
      const fresh = await this.keySet(client, true);
      if (fresh === keys) throw err;
      return use(fresh, this.#verifier(fresh));
    }
  }

  #verifier(keys: JSONWebKeySet): JWTVerifyGetKey {
    let verifier = this.#verifiers.get(keys);
    if (!verifier) {
      verifier = createLocalJWKSet(keys);
      this.#verifiers.set(keys, verifier);
    }
    return verifier;
  }
}
