/**
 * PostgreSQL stopped and started again under load, with a `tollgate serve` node on a private PostgreSQL server:
 * 503 temporarily_unavailable with Retry-After meanwhile, served again soon after without a restart, no crash, one
 * warning line each way (no stack per request), and every audit event of the outage written once it is back.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { basicAuth } from '../helpers/tollgate.ts';
import { serve, type ServeProcess } from '../helpers/cli.ts';
import { sendTo, type Answer } from '../helpers/balancer.ts';
import { startPrivatePostgres, type PrivatePostgres } from '../helpers/private-services.ts';
import { within } from '../helpers/poll.ts';

const SECRET = 'outage-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const PASSWORD = 'A3ddj3w-correct';

let database: PrivatePostgres;
let node: ServeProcess | undefined;

before(async () => {
  database = await startPrivatePostgres();
});

after(async () => {
  await node?.stop('SIGKILL');
  await database.stop();
});

/** The user agents of the token.failure events the store holds. */
async function storedFailures(url: string): Promise<Set<string>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query("SELECT user_agent FROM events WHERE type = 'token.failure'");
    return new Set(rows.map((row) => row.user_agent as string));
  } finally {
    await client.end();
  }
}

test('PostgreSQL stopped and started under load: 503 with Retry-After, then served again without a restart; one warning each way; no audit event lost', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'tollgate-outage-')), 'tollgate.yaml');
  writeFileSync(file, `issuer: http://127.0.0.1
storage: ${database.url}
storage_pool: { connect_timeout: 1 }
# One process: each worker logs an outage on its own (docs/deployment.md), and this counts one node's lines.
workers: 1
log_level: warn
password_hashing: { memory_cost: 64, time_cost: 1 }
attack_protection: { rate_limit: { requests_per_second: 100000, burst: 100000 } }
connections: [{ name: customers }]
clients:
  - { client_id: web, client_secret: ${SECRET}, grant_types: [password] }
users:
  - { connection: customers, username: alice, password: ${PASSWORD} }
`);
  node = await serve(file);
  const answers: { phase: string; answer: Answer; agent: string }[] = [];
  const errors: unknown[] = [];
  let phase = 'before';
  let stopping = false;
  let sequence = 0;
  const caller = async () => {
    while (!stopping) {
      // Each request its own user agent, to find its audit event afterwards.
      const agent = `load-${sequence++}`;
      try {
        const answer = await sendTo(node!.url, 0, {
          path: '/oauth/token', form: { grant_type: 'password', username: 'alice', password: PASSWORD },
          headers: { authorization: basicAuth('web', SECRET), 'user-agent': agent },
        });
        answers.push({ phase, answer, agent });
      } catch (err) {
        errors.push(err);
      }
    }
  };
  const load = Promise.all(Array.from({ length: 4 }, caller));
  const served = (p: string) => answers.filter((a) => a.phase === p && a.answer.status === 200).length;
  try {
    await within(10_000, 'logins served', async () => served('before') >= 10);
    phase = 'down';
    await database.pause();
    await within(10_000, 'logins refused while the database is down', async () => answers.filter((a) => a.answer.status === 503).length >= 20);
    phase = 'back';
    const resumedAt = performance.now();
    await database.resume();
    await within(30_000, 'logins served again', async () => served('back') >= 10);
    assert.ok(performance.now() - resumedAt < 30_000);
  } finally {
    stopping = true;
    await load;
  }

  assert.deepEqual(errors, [], 'every request was answered');
  assert.equal(node.child.exitCode, null, 'the node did not crash');
  const refused = answers.filter((a) => a.answer.status !== 200);
  for (const { answer } of refused) {
    assert.equal(answer.status, 503, JSON.stringify(answer.body));
    assert.equal(answer.body.error, 'temporarily_unavailable');
    assert.equal(answer.headers['retry-after'], '1');
  }
  assert.ok(refused.every((a) => a.phase !== 'before'), 'nothing refused before the outage');

  // The return is told once the database has answered for OUTAGE_SETTLE_MS without a failure.
  await within(5_000, 'the recovery line', async () => node!.output().includes('store reachable again'));
  const output = node.output();
  const lines = output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { msg: string; level: string; host?: string; cause?: string });
  const down = lines.filter((l) => l.msg === 'store unreachable');
  const back = lines.filter((l) => l.msg.startsWith('store reachable again'));
  assert.equal(down.length, 1, output);
  assert.equal(back.length, 1, output);
  assert.match(down[0]!.host!, /^127\.0\.0\.1:\d+$/);
  assert.ok(down[0]!.cause, 'the cause is given');
  assert.doesNotMatch(output, /request failed|"stack"|audit event not stored/, 'no line per request, no stack trace');

  // token.failure events of the 503s were queued in memory and written once the store answered.
  const expected = refused.map((a) => a.agent);
  await within(5000, 'every audit event of the outage written', async () => {
    const stored = await storedFailures(database.url);
    return expected.every((agent) => stored.has(agent));
  });
});
