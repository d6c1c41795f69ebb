/** grant_type=client_credentials (RFC 6749 §4.4): client_secret_basic, one access token for the API per request. */
import { API } from '../lib/server.ts';
import { clientHeaders } from '../lib/basic.ts';
import type { Scenario } from './types.ts';

export const clientCredentialsScenario: Scenario = {
  id: 'client-credentials',
  name: 'client credentials grant',
  verificationsPerRequest: 0,
  async prepare() {
    return { method: 'POST', path: '/oauth/token', headers: clientHeaders, bodies: [new URLSearchParams({ grant_type: 'client_credentials', audience: API }).toString()] };
  },
};
