/** The `actions` and `custom_claims` configuration: every problem named by its key path; modules loaded at start. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ConfigError, parseConfig } from '../../../src/config/load.ts';
import { loadActions } from '../../../src/actions/load.ts';
import { configProblems } from '../../helpers/config.ts';

const fixtures = fileURLToPath(new URL('../../fixtures/actions/', import.meta.url));

const problemsOf = configProblems;

test('actions: exactly one of module and uses; built-in settings checked by their own schema, path and all', () => {
  assert.deepEqual(problemsOf({ actions: [{ name: 'a' }] }), ['actions[0].module: give exactly one of module and uses']);
  assert.deepEqual(problemsOf({ actions: [{ name: 'a', module: './a.ts', uses: 'builtin/deny-unless' }] }), ['actions[0].module: give exactly one of module and uses']);
  assert.match(problemsOf({ actions: [{ name: 'a', uses: 'builtin/nope' }] })[0]!, /^actions\[0\]\.uses: unknown built-in action "builtin\/nope" \(one of: builtin\/app-metadata-claims/);
  assert.match(problemsOf({ actions: [{ name: 'a', uses: 'builtin/mfa-unless-ip', with: { allow: ['10.0.0.0/33'] } }] })[0]!, /^actions\[0\]\.with\.allow\[0\]: must be an IP address or a CIDR range/);
  assert.match(problemsOf({ actions: [{ name: 'a', uses: 'builtin/deny-unless', with: {} }] })[0]!, /^actions\[0\]\.with: names no condition/);
  assert.match(problemsOf({ actions: [{ name: 'a', uses: 'builtin/app-metadata-claims', with: { namespace: 'urn:x', keys: ['roles'] } }] })[0]!, /^actions\[0\]\.with\.namespace: must be an http\(s\) URL/);
  assert.deepEqual(problemsOf({ actions: [{ name: 'a', module: './a.ts', with: { x: 1 } }] }), ['actions[0].with: only built-in actions (uses) take settings']);
  assert.deepEqual(problemsOf({ actions: [{ name: 'a', module: './a.ts' }, { name: 'a', module: './b.ts' }] }), ['actions: duplicate name "a"']);
  assert.match(problemsOf({ actions: [{ name: 'a', module: './a.ts', timeout: 0 }] })[0]!, /^actions\[0\]\.timeout: /);
});

test('custom_claims.allow: never a registered claim', () => {
  assert.deepEqual(problemsOf({ custom_claims: { allow: ['favorite_color', 'sub'] } }), ['custom_claims.allow[1]: is a registered claim, which actions can never set']);
  assert.deepEqual(parseConfig({ custom_claims: { allow: ['favorite_color'] } }, 'test', {}).custom_claims.allow, ['favorite_color']);
});

test('modules resolve against the configuration\'s folder; one that does not load or exports no handler is a ConfigError', async () => {
  const config = parseConfig({ actions: [{ name: 'echo', module: 'echo-event.ts' }, { name: 'count', module: 'count-logins.ts' }] }, 'test', {}, fixtures);
  assert.equal(config.actions[0]!.module, `${fixtures}echo-event.ts`);
  const loaded = await loadActions(config.actions);
  assert.deepEqual(loaded.map((a) => [a.name, typeof a.run, a.timeout]), [['echo', 'function', 2000], ['count', 'function', 2000]], 'named and default exports');

  const broken = parseConfig({ actions: [{ name: 'none', module: 'no-handler.ts' }, { name: 'gone', module: 'missing.ts' }] }, 'test', {}, fixtures);
  const err = await loadActions(broken.actions, 'tollgate.yaml').then(() => assert.fail('expected a ConfigError'), (e: unknown) => e);
  assert.ok(err instanceof ConfigError);
  assert.match(err.problems[0]!, /^actions\[0\]\.module: ".*no-handler\.ts" exports no onExecutePostLogin function/);
  assert.match(err.problems[1]!, /^actions\[1\]\.module: cannot load ".*missing\.ts": /);
});
