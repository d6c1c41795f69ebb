/**
 * X.509 checks of TLS client authentication (RFC 8705 §2.1): the chain to a configured CA, and the one subject
 * name the client registered, a distinguished name (RFC 4514) or a subjectAltName entry.
 */
import { createHash, type X509Certificate } from 'node:crypto';
import type { ClientRecord } from '../model/client.ts';

/** RFC 8705 §3.1: the x5t#S256 confirmation, base64url SHA-256 of the DER certificate. */
export function certificateThumbprint(cert: X509Certificate): string {
  return createHash('sha256').update(cert.raw).digest('base64url');
}

function validAt(cert: X509Certificate, now: number): boolean {
  return Date.parse(cert.validFrom) / 1000 <= now && now <= Date.parse(cert.validTo) / 1000;
}

/**
 * Whether `cert` is valid now and was issued, and signed, by one of `cas` (a CA certificate valid now). Every
 * certificate of tls.client_ca is trusted, so an intermediate CA is configured next to its root.
 */
export function chainsTo(cert: X509Certificate, cas: readonly X509Certificate[], now: number): boolean {
  return validAt(cert, now) && cas.some((ca) => ca.ca && validAt(ca, now) && cert.checkIssued(ca) && cert.verify(ca.publicKey));
}

/** RFC 4514 §2.4 value escapes: "\," and the like, and "\XX" hex pairs that together make UTF-8. */
function unescapeValue(value: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const hex = value[i] === '\\' ? /^[0-9A-Fa-f]{2}/.exec(value.slice(i + 1)) : null;
    if (hex) {
      bytes.push(parseInt(hex[0], 16));
      i += 2;
    } else {
      if (value[i] === '\\') i++;
      bytes.push(...Buffer.from(value[i] ?? '', 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

type Rdns = [type: string, value: string][];

function rdn(text: string): [string, string] {
  const eq = text.indexOf('=');
  return [text.slice(0, eq).trim().toUpperCase(), unescapeValue(text.slice(eq + 1).trim())];
}

/** An RFC 4514 string ("CN=client,O=Example\, Inc.,C=US") as (TYPE, value) pairs, in its order. */
export function parseDn(dn: string): Rdns {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < dn.length; i++) {
    if (dn[i] === '\\') current += dn[i]! + (dn[++i] ?? '');
    else if (dn[i] === ',') {
      parts.push(current);
      current = '';
    } else current += dn[i];
  }
  parts.push(current);
  return parts.map(rdn);
}

/** Node prints the subject one attribute a line in certificate (DER) order; RFC 4514 writes them last first. */
function subjectOf(cert: X509Certificate): Rdns {
  return cert.subject.split('\n').filter((line) => line !== '').map(rdn).reverse();
}

/** subjectAltName entries of one kind; Node quotes a value that holds a comma as a JSON string. */
function altNames(cert: X509Certificate, kind: string): string[] {
  const names: string[] = [];
  for (const match of (cert.subjectAltName ?? '').matchAll(/(?:^|, )([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)/g)) {
    if (match[1] === kind) names.push(match[2]!.startsWith('"') ? JSON.parse(match[2]!) as string : match[2]!);
  }
  return names;
}

/** RFC 8705 §2.1.2: exactly one name is registered; it must be the certificate's. Types compare case-insensitively, values exactly. */
export function matchesRegistration(cert: X509Certificate, client: ClientRecord): boolean {
  if (client.tls_client_auth_subject_dn !== undefined) {
    const expected = parseDn(client.tls_client_auth_subject_dn);
    const actual = subjectOf(cert);
    return expected.length === actual.length && expected.every(([type, value], i) => actual[i]![0] === type && actual[i]![1] === value);
  }
  // Exact names only: a wildcard certificate must not stand for a client that registered one host.
  if (client.tls_client_auth_san_dns !== undefined) return cert.checkHost(client.tls_client_auth_san_dns, { subject: 'never', wildcards: false }) !== undefined;
  if (client.tls_client_auth_san_ip !== undefined) return cert.checkIP(client.tls_client_auth_san_ip) !== undefined;
  if (client.tls_client_auth_san_email !== undefined) return cert.checkEmail(client.tls_client_auth_san_email, { subject: 'never' }) !== undefined;
  if (client.tls_client_auth_san_uri !== undefined) return altNames(cert, 'URI').includes(client.tls_client_auth_san_uri);
  return false;
}
