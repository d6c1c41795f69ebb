/**
 * The TLS client certificate of a request (RFC 8705 §2): from Tollgate's own TLS connection, or, behind a
 * TLS-terminating proxy, from the header the proxy forwards it in. The header is believed only when the
 * connection comes from a trusted proxy; from anyone else it is ignored, so a client cannot claim a certificate.
 */
import { X509Certificate } from 'node:crypto';
import { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import type { IpList } from '../protection/ip-list.ts';

/** Envoy's x-forwarded-client-cert holds the certificate as Cert="<URL-encoded PEM>" among other fields. */
const XFCC_CERT = /(?:^|;)Cert="([^"]+)"/;

/**
 * A forwarded certificate: URL-encoded PEM (nginx $ssl_client_escaped_cert, AWS ALB), PEM whose line breaks became
 * spaces (Apache, HAProxy), base64 DER, or Envoy's Cert="..." field. Undefined when it is none of them.
 */
export function parseForwardedCertificate(value: string): X509Certificate | undefined {
  try {
    let text = XFCC_CERT.exec(value)?.[1] ?? value.trim();
    if (text.includes('%')) text = decodeURIComponent(text);
    const base64 = text.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return undefined;
    return new X509Certificate(Buffer.from(base64, 'base64'));
  } catch {
    return undefined;
  }
}

export type CertificateReader = (request: FastifyRequest) => X509Certificate | undefined;

/** `header`: tls.client_certificate_header (lower case), if Tollgate sits behind a proxy that forwards certificates. */
export function clientCertificateReader(header: string | undefined, trustedProxies: IpList): CertificateReader {
  return (request) => {
    const { socket } = request;
    if (header !== undefined && trustedProxies.has(socket.remoteAddress ?? '')) {
      const value = request.headers[header];
      return typeof value === 'string' ? parseForwardedCertificate(value) : undefined;
    }
    return socket instanceof TLSSocket ? socket.getPeerX509Certificate() : undefined;
  };
}
