/** Tollgate's own stored forms of imported hashes follow the PHC string format: `$id$k=v,k=v$salt$hash`. */
import { fromB64, toB64 } from './encoding.ts';

export interface Phc {
  id: string;
  params: Record<string, string>;
  salt: Buffer;
  hash: Buffer;
}

const PARAM = /^([a-z0-9-]+)=([A-Za-z0-9/+.-]+)$/;

/** Undefined unless `text` is `$id$params$salt$hash` with B64 salt (possibly empty) and hash. */
export function parsePhc(text: string): Phc | undefined {
  const parts = text.split('$');
  if (parts.length !== 5 || parts[0] !== '') return undefined;
  const [, id, paramText, saltText, hashText] = parts as [string, string, string, string, string];
  const params: Record<string, string> = {};
  for (const pair of paramText === '' ? [] : paramText.split(',')) {
    const match = PARAM.exec(pair);
    if (!match || Object.hasOwn(params, match[1]!)) return undefined;
    params[match[1]!] = match[2]!;
  }
  const salt = fromB64(saltText);
  const hash = fromB64(hashText);
  if (!salt || !hash || hash.length === 0) return undefined;
  return { id, params, salt, hash };
}

export function formatPhc({ id, params, salt, hash }: Phc): string {
  const paramText = Object.entries(params).map(([k, v]) => `${k}=${v}`).join(',');
  return `$${id}$${paramText}$${toB64(salt)}$${toB64(hash)}`;
}

/** A whole number from `min` to `max` written in decimal without leading zeros, else undefined. */
export function intParam(value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined || !/^(0|[1-9]\d{0,9})$/.test(value)) return undefined;
  const n = Number(value);
  return n >= min && n <= max ? n : undefined;
}
