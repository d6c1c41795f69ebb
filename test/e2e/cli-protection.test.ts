/** `tollgate blocks` and `tollgate logs` on a SQLite file seeded through the store API, as an operator runs them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSqlite } from '../../src/storage/sqlite/store.ts';
import type { AuditEvent } from '../../src/model/events.ts';
import type { Store } from '../../src/storage/store.ts';
import { configFile, databaseOf, tollgate } from '../helpers/cli.ts';

/** The CLI reads the wall clock, so seeded state is placed relative to it, with minutes of margin. */
const now = () => Math.floor(Date.now() / 1000);

/** A configuration whose store is seeded by `seed` first. */
async function seeded(seed: (store: Store, at: number) => Promise<void>): Promise<string> {
  const file = configFile();
  const store = openSqlite(`sqlite:${databaseOf(file)}`);
  try {
    await seed(store, now());
  } finally {
    await store.close();
  }
  return file;
}

const block = (store: Store, username: string, ip: string, at: number, failures = 3, ttl: number | null = null) =>
  Promise.all(Array.from({ length: failures }, () => store.attempts.addLoginFailure({ connection: 'customers', username, ip }, at, 3, ttl)));

const iso = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/.source;

test('blocks list: the blocks in force, one per line; --json prints the records; filters by connection and username', async () => {
  const file = await seeded(async (store, at) => {
    await block(store, 'alice', '203.0.113.1', at - 120);
    await block(store, 'bob', '*', at - 60, 4, 86_400);
    await block(store, 'carol', '203.0.113.3', at - 60, 1);
    await block(store, 'dave', '203.0.113.4', at - 7200, 3, 60);
  });
  // Read-only commands: run side by side.
  const [list, json, byUser, other] = await Promise.all([
    tollgate(['blocks', 'list', '--config', file]),
    tollgate(['blocks', 'list', '--config', file, '--json']),
    tollgate(['blocks', 'list', '--config', file, '--username', 'BOB', '--json']),
    tollgate(['blocks', 'list', '--config', file, '--connection', 'employees']),
  ]);
  assert.equal(list.code, 0, list.stderr);
  const lines = list.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 3, list.stdout);
  assert.equal(lines[0], 'connection\tusername\tip\tfailures\tblocked_at\tuntil');
  assert.match(lines[1]!, new RegExp(`^customers\\talice\\t203\\.0\\.113\\.1\\t3\\t${iso}\\tcleared$`));
  assert.match(lines[2]!, new RegExp(`^customers\\tbob\\t\\*\\t4\\t${iso}\\t${iso}$`));

  assert.equal(json.code, 0, json.stderr);
  const blocks = JSON.parse(json.stdout) as Record<string, unknown>[];
  assert.deepEqual(blocks.map((b) => [b.connection, b.username, b.ip, b.failures, b.block_expires_at === null]), [
    ['customers', 'alice', '203.0.113.1', 3, true], ['customers', 'bob', '*', 4, false],
  ]);
  assert.equal(typeof blocks[0]?.blocked_at, 'number');

  assert.deepEqual((JSON.parse(byUser.stdout) as { username: string }[]).map((b) => b.username), ['bob']);
  assert.equal(other.code, 0, other.stderr);
  assert.equal(other.stdout, 'no blocks\n');
});

test('blocks clear: one IP with --ip, then the whole account; each clearing is an audit event; missing options exit 2', async () => {
  const file = await seeded(async (store, at) => {
    await block(store, 'alice', '203.0.113.1', at - 60);
    await block(store, 'alice', '203.0.113.2', at - 60);
    await block(store, 'bob', '203.0.113.1', at - 60);
  });
  const one = await tollgate(['blocks', 'clear', '--config', file, '--connection', 'customers', '--username', 'Alice', '--ip', '203.0.113.1']);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(one.stdout, 'cleared 1 counter for alice in customers from 203.0.113.1\n');
  const after = JSON.parse((await tollgate(['blocks', 'list', '--config', file, '--json'])).stdout) as { username: string; ip: string }[];
  assert.deepEqual(after.map((b) => [b.username, b.ip]), [['alice', '203.0.113.2'], ['bob', '203.0.113.1']]);

  const all = await tollgate(['blocks', 'clear', '--config', file, '--connection', 'customers', '--username', 'alice']);
  assert.equal(all.stdout, 'cleared 1 counter for alice in customers\n');
  const none = await tollgate(['blocks', 'clear', '--config', file, '--connection', 'customers', '--username', 'alice']);
  assert.equal(none.stdout, 'cleared 0 counters for alice in customers\n');
  const left = JSON.parse((await tollgate(['blocks', 'list', '--config', file, '--json'])).stdout) as { username: string }[];
  assert.deepEqual(left.map((b) => b.username), ['bob']);

  const events = JSON.parse((await tollgate(['logs', '--config', file, '--type', 'brute_force.unblocked', '--json'])).stdout) as AuditEvent[];
  assert.deepEqual(events.map((e) => [e.connection, e.username, e.ip, e.outcome, e.reason]), [
    ['customers', 'alice', null, 'success', 'operator'], ['customers', 'alice', '203.0.113.1', 'success', 'operator'],
  ], 'one event per clearing that removed something, newest first');

  const incomplete = [['--connection', 'customers'], ['--username', 'alice'], []];
  const usage = await Promise.all([
    ...incomplete.map((args) => tollgate(['blocks', 'clear', '--config', file, ...args])),
    tollgate(['blocks', 'unblock', '--config', file]),
    tollgate(['blocks']),
  ]);
  assert.deepEqual(usage.map((run) => run.code), [2, 2, 2, 2, 2], usage.map((run) => run.stderr).join('\n'));
  for (const run of usage.slice(0, incomplete.length)) assert.match(run.stderr, /--connection and --username are required/);
});

test('logs: newest first, filtered by --type, --since and --user; --json prints the events; bad --type, --since or --limit exit 2', async () => {
  let seededEvents: AuditEvent[] = [];
  const file = await seeded(async (store, at) => {
    const base = { client_id: 'web', connection: 'customers', user_agent: 'agent/1.0', ip: '203.0.113.9', request_id: 'req-e' };
    seededEvents = [
      { ...base, id: 'e1', time: at - 7200, type: 'login.success', username: 'alice', user_id: 'u1', outcome: 'success', reason: null },
      { ...base, id: 'e2', time: at - 600, type: 'login.wrong_password', username: 'alice', user_id: 'u1', outcome: 'failure', reason: 'wrong_password' },
      { ...base, id: 'e3', time: at - 60, type: 'login.unknown_user', username: 'nobody', user_id: null, outcome: 'failure', reason: 'unknown_user' },
      { ...base, id: 'e4', time: at - 30, type: 'login.wrong_password', username: 'bob', user_id: 'u2', outcome: 'failure', reason: 'wrong_password' },
    ];
    for (const e of seededEvents) await store.events.addEvent(e);
  });
  const [e1, e2, e3, e4] = seededEvents;
  const logs = async (...args: string[]) => {
    const run = await tollgate(['logs', '--config', file, ...args]);
    assert.equal(run.code, 0, run.stderr);
    return run;
  };
  const json = async (...args: string[]) => JSON.parse((await logs(...args, '--json')).stdout) as AuditEvent[];

  // Read-only commands: run side by side.
  const queries: [string[], AuditEvent[], string][] = [
    [['--type', 'login.wrong_password'], [e4!, e2!], '--type'],
    [['--since', '1h'], [e4!, e3!, e2!], '--since duration'],
    [['--since', new Date(e2!.time * 1000).toISOString()], [e4!, e3!, e2!], '--since ISO time, inclusive'],
    [['--user', 'alice'], [e2!, e1!], '--user username'],
    [['--user', 'u2'], [e4!], '--user id'],
    [['--limit', '1'], [e4!], '--limit'],
    [['--type', 'ip.throttled'], [], 'no match'],
  ];
  const bad: [string[], RegExp][] = [
    [['--type', 'login.nope'], /--type: unknown event type "login.nope"/],
    [['--since', 'yesterday'], /--since: expected an ISO 8601 time or a duration/],
    [['--since', '1w'], /--since/],
    [['--limit', '0'], /--limit/],
    [['--bogus'], /bogus/],
  ];
  const [answers, human, refusals] = await Promise.all([
    Promise.all(queries.map(([args]) => json(...args))),
    logs('--user', 'nobody'),
    Promise.all(bad.map(([args]) => tollgate(['logs', '--config', file, ...args]))),
  ]);
  queries.forEach(([, expected, what], i) => {
    assert.deepEqual(answers[i], expected, what);
  });
  assert.match(human.stdout, new RegExp(`^time\\ttype\\toutcome\\tuser\\tip\\tclient_id\\trequest_id\\treason\\n${iso}\\tlogin\\.unknown_user\\tfailure\\tcustomers/nobody\\t203\\.0\\.113\\.9\\tweb\\treq-e\\tunknown_user\\n$`));
  bad.forEach(([args, message], i) => {
    assert.equal(refusals[i]!.code, 2, `${args.join(' ')}: ${refusals[i]!.stderr}`);
    assert.match(refusals[i]!.stderr, message);
  });
});
