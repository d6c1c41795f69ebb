/** grant_type=password (RFC 6749 §4.3) through a client_secret_basic client, one user after another. */
import { API, PASSWORD } from '../lib/server.ts';
import { clientHeaders } from '../lib/basic.ts';
import type { Scenario } from './types.ts';

export const passwordScenario: Scenario = {
  id: 'password',
  name: 'password grant',
  verificationsPerRequest: 1,
  async prepare({ users }) {
    return {
      method: 'POST',
      path: '/oauth/token',
      headers: clientHeaders,
      bodies: users.map((username) =>
        new URLSearchParams({ grant_type: 'password', username, password: PASSWORD, audience: API }).toString()),
    };
  },
};
