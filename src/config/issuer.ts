/** The issuer a configuration names: every endpoint, the management API's audience included, lives under it. */
import type { Config } from './schema.ts';

/** The configured issuer, or the URL Tollgate listens on. */
export function issuerOf(config: Pick<Config, 'issuer' | 'host' | 'port' | 'tls'>): string {
  if (config.issuer !== undefined) return config.issuer;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return `${config.tls?.cert !== undefined ? 'https' : 'http'}://${host}:${config.port}`;
}
