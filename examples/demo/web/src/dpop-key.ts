/**
 * The app's DPoP key (RFC 9449): a P-256 key pair made by WebCrypto as non-extractable, so no script, this one
 * included, can ever read the private key; it can only ask the browser to sign with it. IndexedDB keeps the CryptoKey
 * objects themselves (structured clone), so the key survives a reload without ever existing as bytes in JavaScript.
 */
import { SignJWT, base64url, exportJWK } from 'jose';

const DATABASE = 'tollgate-demo';
const STORE = 'keys';
const KEY = 'dpop';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function database(): Promise<IDBDatabase> {
  const open = indexedDB.open(DATABASE, 1);
  open.onupgradeneeded = () => open.result.createObjectStore(STORE);
  return request(open);
}

async function inStore<T>(mode: IDBTransactionMode, use: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await database();
  try {
    return await request(use(db.transaction(STORE, mode).objectStore(STORE)));
  } finally {
    db.close();
  }
}

/** The stored key pair, or a new one (stored before it is used). */
export async function dpopKey(): Promise<CryptoKeyPair> {
  const stored = await inStore<CryptoKeyPair | undefined>('readonly', (store) => store.get(KEY));
  if (stored) return stored;
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  await inStore('readwrite', (store) => store.put(pair, KEY));
  return pair;
}

/** Log out: the key goes, so tokens bound to it are useless even to someone who copied them. */
export async function forgetKey(): Promise<void> {
  await inStore('readwrite', (store) => store.delete(KEY));
}

export interface ProofOptions {
  /** The access token the request carries: its hash goes in `ath` (RFC 9449 §4.2). */
  accessToken?: string;
  /** A nonce the server handed out in DPoP-Nonce (§8). */
  nonce?: string;
}

/** A DPoP proof for one request (RFC 9449 §4.2): method, URL without query, now, a unique id, signed by the key. */
export async function proof(key: CryptoKeyPair, method: string, url: string, options: ProofOptions = {}): Promise<string> {
  const target = new URL(url);
  const claims: Record<string, string> = { htm: method, htu: `${target.origin}${target.pathname}` };
  if (options.accessToken) claims.ath = base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(options.accessToken))));
  if (options.nonce) claims.nonce = options.nonce;
  return new SignJWT(claims)
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: await exportJWK(key.publicKey) })
    .setIssuedAt()
    .setJti(crypto.randomUUID())
    .sign(key.privateKey);
}
