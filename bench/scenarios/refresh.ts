/**
 * grant_type=refresh_token with rotation (RFC 6749 §6, RFC 9700 §4.14.2): every request consumes one
 * refresh token and stores its successor, so each body is sent once. The tokens are made through the
 * store (not by logging in) so that setting up a hundred thousand of them costs no argon2 time.
 * Scope `offline_access read:items`: an access token and a new refresh token, no ID token.
 */
import { API, CONNECTION } from '../lib/server.ts';
import { clientHeaders } from '../lib/basic.ts';
import { startFamily } from '../../src/tokens/refresh.ts';
import type { Scenario } from './types.ts';

/** More than the run can use: BENCH_REFRESH_RATE (default 15,000/s) times the duration. */
function tokensNeeded(): number {
  const rate = Number(process.env.BENCH_REFRESH_RATE) || 15_000;
  return rate * (Number(process.env.BENCH_DURATION) || 10) + 1;
}

const SEED_BATCH = 32;

export const refreshScenario: Scenario = {
  id: 'refresh',
  name: 'refresh grant',
  verificationsPerRequest: 0,
  singleUse: true,
  async prepare({ store, users: usernames, requests }) {
    const client = await store.clients.getClient('bench');
    if (!client) throw new Error('bench client missing');
    const users = await store.users.listUsers({ connection: CONNECTION, limit: usernames.length, offset: 0 });
    const now = Math.floor(Date.now() / 1000);
    const issue = async (i: number) => {
      const user = users[i % users.length]!;
      const { token } = await startFamily(store.refreshFamilies, {
        client, userId: user.id, connection: CONNECTION, scope: ['offline_access', 'read:items'], audience: API, authTime: now, amr: ['pwd'], cnf: null, device: null,
      }, now);
      return new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }).toString();
    };
    // Several inserts at once, for a store behind a network (PostgreSQL): one at a time would take minutes.
    const bodies: string[] = [];
    for (let i = 0, n = requests ?? tokensNeeded(); i < n; i += SEED_BATCH) {
      bodies.push(...await Promise.all(Array.from({ length: Math.min(SEED_BATCH, n - i) }, (_, j) => issue(i + j))));
    }
    return { method: 'POST', path: '/oauth/token', headers: clientHeaders, bodies };
  },
};
