/** client_secret_basic: HTTP Basic with the form-urlencoded id and secret (RFC 6749 §2.3.1). */
import { InvalidClientError } from '../errors/oauth.ts';
import { formDecode } from '../protocol/form.ts';
import { VERIFIED, refused, type ClientAuthMethodModule } from './method.ts';
import { verifyClientSecret } from './secrets.ts';

const BASIC = /^Basic ([A-Za-z0-9+/]+={0,2})$/i;

export const clientSecretBasic: ClientAuthMethodModule = {
  name: 'client_secret_basic',
  extract({ authorization }) {
    if (authorization === undefined || !/^Basic\b/i.test(authorization)) return undefined;
    const malformed = () => new InvalidClientError('The Authorization header is malformed.', 'client_auth.basic_malformed', true);
    const match = BASIC.exec(authorization.trim());
    if (!match?.[1]) throw malformed();
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 1) throw malformed();
    try {
      return {
        method: 'client_secret_basic',
        clientId: formDecode(decoded.slice(0, colon)),
        secret: formDecode(decoded.slice(colon + 1)),
        viaHeader: true,
      };
    } catch {
      throw malformed();
    }
  },
  verify: async (presented, client, deps) =>
    client.secret_hash !== null && presented.secret !== undefined && (await verifyClientSecret(client.secret_hash, presented.secret, deps.hasher))
      ? VERIFIED : refused('client_auth.secret_mismatch'),
};
