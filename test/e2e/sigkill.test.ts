/**
 * A `tollgate serve` node killed with SIGKILL under refresh load, on SQLite and on PostgreSQL: every rotation it
 * acknowledged with a 200 holds after the restart, so each caller's newest refresh token works. A rotation in flight
 * at the kill may have been written without its answer arriving; the client retries with the token it holds,
 * which the refresh leeway accepts (it is the one that rotation consumed), so that case works too.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { basicAuth } from '../helpers/tollgate.ts';
import { serve, type ServeProcess } from '../helpers/cli.ts';
import { sendTo, type Send } from '../helpers/balancer.ts';
import { createDatabase, databaseUrl, dropDatabase } from '../helpers/postgres.ts';
import { within } from '../helpers/poll.ts';

const SECRET = 'sigkill-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const PASSWORD = 'A3ddj3w-correct';
const CALLERS = 6;
const client = { authorization: basicAuth('web', SECRET) };

const spawned: ServeProcess[] = [];
after(async () => {
  await Promise.all(spawned.map((node) => node.stop('SIGKILL')));
});

function configFor(storage: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tollgate-sigkill-')), 'tollgate.yaml');
  writeFileSync(file, `issuer: http://127.0.0.1
workers: 1
storage: ${storage.replace('FILE', join(file, '..', 'db.sqlite'))}
log_level: warn
password_hashing: { memory_cost: 64, time_cost: 1 }
attack_protection: { rate_limit: { requests_per_second: 100000, burst: 100000 } }
connections: [{ name: customers }]
clients:
  - client_id: web
    client_secret: ${SECRET}
    grant_types: [password, refresh_token]
    refresh_token: { leeway: 60 }
users:
  - { connection: customers, username: alice, password: ${PASSWORD} }
`);
  return file;
}

async function killedUnderRefreshLoad(file: string): Promise<void> {
  let node = await serve(file);
  spawned.push(node);
  const send = (form: Record<string, string>) => sendTo(node.url, 0, { path: '/oauth/token', form, headers: client } satisfies Send);
  // Each caller holds its newest acknowledged refresh token.
  const held: string[] = [];
  for (let i = 0; i < CALLERS; i++) {
    const login = await send({ grant_type: 'password', username: 'alice', password: PASSWORD, scope: 'offline_access' });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    held.push(login.body.refresh_token);
  }
  let acknowledged = 0;
  const refused: unknown[] = [];
  const caller = async (i: number) => {
    // Until the kill: a refused connection or a cut answer ends the caller; neither acknowledged anything.
    for (;;) {
      let answer;
      try {
        answer = await send({ grant_type: 'refresh_token', refresh_token: held[i]! });
      } catch {
        return;
      }
      if (answer.status !== 200) refused.push(answer.body);
      else {
        held[i] = answer.body.refresh_token;
        acknowledged++;
      }
    }
  };
  const load = Promise.all(held.map((_, i) => caller(i)));
  await within(10_000, 'rotations acknowledged under load', async () => acknowledged >= 60);
  node.child.kill('SIGKILL');
  await node.exited;
  await load;
  assert.deepEqual(refused, [], 'no rotation refused before the kill');

  node = await serve(file, node.port);
  spawned.push(node);
  for (const [i, token] of held.entries()) {
    const next = await send({ grant_type: 'refresh_token', refresh_token: token });
    assert.equal(next.status, 200, `caller ${i}'s newest acknowledged token after the restart: ${JSON.stringify(next.body)}`);
    const again = await send({ grant_type: 'refresh_token', refresh_token: next.body.refresh_token });
    assert.equal(again.status, 200, 'and its successor rotates on');
  }
}

test('SQLite: a node killed with SIGKILL under refresh load keeps every rotation it acknowledged', async () => {
  await killedUnderRefreshLoad(configFor('sqlite:FILE'));
});

test('PostgreSQL: a node killed with SIGKILL under refresh load keeps every rotation it acknowledged', async (t) => {
  const database = await createDatabase({ migrated: false });
  t.after(() => dropDatabase(database));
  await killedUnderRefreshLoad(configFor(databaseUrl(database)));
});
