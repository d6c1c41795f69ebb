/**
 * Secrets at rest that Tollgate must read back (TOTP shared secrets) are sealed with AES-256-GCM under a key that is
 * not in the database, so a dump alone reveals none of them; one-time codes get a keyed MAC, since a plain hash of
 * six digits is reversed by trying all million. Keys come from `mfa.encryption_keys` (the first seals, every one
 * opens, so keys rotate), or, for SQLite without them, from a key file created beside the database.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';

interface SealingKey {
  /** Names the key in each sealed value, so the right one opens it after a rotation. */
  id: string;
  aes: Buffer;
  mac: Buffer;
}

function derive(material: string): SealingKey {
  const expand = (info: string) => Buffer.from(hkdfSync('sha256', material, 'tollgate-mfa', info, 32));
  const aes = expand('aes-256-gcm');
  return { id: createHash('sha256').update(aes).digest('base64url').slice(0, 8), aes, mac: expand('hmac-sha256') };
}

export class SecretBox {
  readonly #keys: SealingKey[];

  constructor(materials: readonly string[]) {
    if (materials.length === 0) throw new Error('a secret box needs at least one key');
    this.#keys = materials.map(derive);
  }

  /** `context` (the record's id) is authenticated with the value, so a sealed secret moved to another record does not open. */
  seal(plaintext: string, context: string): string {
    const key = this.#keys[0]!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key.aes, iv).setAAD(Buffer.from(context));
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `v1.${key.id}.${iv.toString('base64url')}.${sealed.toString('base64url')}`;
  }

  /** Throws when no key opens the value or it was altered. */
  open(value: string, context: string): string {
    const [version, keyId, iv, sealed] = value.split('.');
    const key = this.#keys.find((k) => k.id === keyId);
    if (version !== 'v1' || !key || iv === undefined || sealed === undefined) throw new Error('sealed with an unknown key');
    const bytes = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key.aes, Buffer.from(iv, 'base64url')).setAAD(Buffer.from(context));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString('utf8');
  }

  /** A keyed MAC of a short code, under the sealing key. */
  mac(code: string, context: string): string {
    return createHmac('sha256', this.#keys[0]!.mac).update(`${context}\n${code}`).digest('base64url');
  }
}

/**
 * The key file SQLite deployments get when no key is configured: 32 random bytes, readable by the owner only,
 * created once and kept beside the database (a dump of the database alone does not include it).
 */
export function keyFileMaterial(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const material = randomBytes(32).toString('base64url');
  try {
    writeFileSync(path, `${material}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path, 'utf8').trim();
    throw err;
  }
  chmodSync(path, 0o600);
  return material;
}

/**
 * The box a configuration gets: its mfa.encryption_keys; else, for SQLite, a key file beside the database (an
 * in-memory database gets a key that lives as long as it does); else (PostgreSQL without keys) none, and MFA is off.
 */
export function secretBoxFor(config: { storage: string; mfa: { encryption_keys?: string[] | undefined } }): SecretBox | undefined {
  const keys = config.mfa.encryption_keys;
  if (keys !== undefined && keys.length > 0) return new SecretBox(keys);
  if (!config.storage.startsWith('sqlite:')) return undefined;
  const path = config.storage.slice('sqlite:'.length);
  return new SecretBox([path === ':memory:' ? randomBytes(32).toString('base64url') : keyFileMaterial(`${path}.mfa-key`)]);
}
