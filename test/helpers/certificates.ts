/**
 * Test certificates made in-process (RFC 5280): a CA, certificates it issues (client and server), and
 * self-signed ones, valid from a day before the frozen test clock until a year after the wall clock, so real TLS
 * handshakes and Tollgate's frozen-time checks both accept them.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { X509Certificate, createHash, webcrypto } from 'node:crypto';
import { NOW } from './tollgate.ts';

x509.cryptoProvider.set(webcrypto as Crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY = 86_400_000;

export interface Issued {
  /** PEM of the certificate and of its PKCS #8 private key. */
  cert: string;
  key: string;
  /** RFC 8705 §3.1: base64url SHA-256 of the DER certificate. */
  x5tS256: string;
  /** The public key as a JWK with the certificate in x5c (RFC 7517 §4.7), as a self-signed client registers it. */
  jwk: Record<string, unknown>;
}

export interface SubjectAltNames {
  dns?: string[];
  uri?: string[];
  ip?: string[];
  email?: string[];
}

export interface CertificateRequest {
  /** RFC 4514 string, e.g. "CN=client,O=Example". */
  subject: string;
  san?: SubjectAltNames;
  /** Unix seconds; default: valid from a day before the test clock to a year after now. */
  notBefore?: number;
  notAfter?: number;
}

export interface CertificateAuthority extends Issued {
  issue(request: CertificateRequest): Promise<Issued>;
}

let serial = 1;

function validity(request: CertificateRequest): { notBefore: Date; notAfter: Date } {
  return {
    notBefore: request.notBefore !== undefined ? new Date(request.notBefore * 1000) : new Date(Math.min(NOW * 1000, Date.now()) - DAY),
    notAfter: request.notAfter !== undefined ? new Date(request.notAfter * 1000) : new Date(Math.max(NOW * 1000, Date.now()) + 365 * DAY),
  };
}

function sanExtension(san: SubjectAltNames | undefined): x509.Extension[] {
  const names = [
    ...(san?.dns ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(san?.uri ?? []).map((value) => ({ type: 'url' as const, value })),
    ...(san?.ip ?? []).map((value) => ({ type: 'ip' as const, value })),
    ...(san?.email ?? []).map((value) => ({ type: 'email' as const, value })),
  ];
  return names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : [];
}

async function finish(cert: x509.X509Certificate, keys: CryptoKeyPair): Promise<Issued> {
  const pem = cert.toString('pem');
  const der = new X509Certificate(pem).raw;
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  const jwk = await webcrypto.subtle.exportKey('jwk', keys.publicKey);
  return {
    cert: pem,
    key: `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`,
    x5tS256: createHash('sha256').update(der).digest('base64url'),
    jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, x5c: [der.toString('base64')] },
  };
}

const newKeys = () => webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;

export async function selfSigned(request: CertificateRequest): Promise<Issued> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: (serial++).toString(16).padStart(2, '0'), name: request.subject, keys, signingAlgorithm: ALG, ...validity(request),
    extensions: sanExtension(request.san),
  });
  return finish(cert, keys);
}

export async function certificateAuthority(subject = 'CN=Tollgate Test CA'): Promise<CertificateAuthority> {
  const keys = await newKeys();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: (serial++).toString(16).padStart(2, '0'), name: subject, keys, signingAlgorithm: ALG, ...validity({ subject }),
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  const ca = await finish(caCert, keys);
  return {
    ...ca,
    async issue(request) {
      const leafKeys = await newKeys();
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: (serial++).toString(16).padStart(2, '0'), subject: request.subject, issuer: caCert.subject, ...validity(request),
        publicKey: leafKeys.publicKey, signingKey: keys.privateKey, signingAlgorithm: ALG,
        extensions: [new x509.BasicConstraintsExtension(false), ...sanExtension(request.san)],
      });
      return finish(cert, leafKeys);
    },
  };
}
