/**
 * The public API (src/index.ts), imported by the package's own name as an application would: package.json `exports`
 * maps 'tollgate' to it and keeps 'tollgate/actions'. Building a server and logging in through it proves the entry
 * point is complete enough to use; the error test keeps it in step with src/errors/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tollgate from 'tollgate';
import { ConfigError, createServer, InvalidGrantError, OAuthError, parseConfig, type Action, type ConfigInput } from 'tollgate';
import type { PostLoginEvent } from 'tollgate/actions';

const SECRET = 'public-api-secret-0123456789-abcdefghijklmnop';

function config(): ConfigInput {
  return {
    issuer: 'http://tollgate.test',
    storage: 'sqlite::memory:',
    log_level: 'error',
    password_hashing: { memory_cost: 64, time_cost: 1, parallelism: 1 },
    connections: [{ name: 'customers' }],
    default_connection: 'customers',
    clients: [{ client_id: 'app', client_secret: SECRET, grant_types: ['password'] }],
    users: [{ connection: 'customers', username: 'alice', password: 'correct-horse-battery' }],
  };
}

test("import 'tollgate': parseConfig and createServer build a server that answers the password grant", async (t) => {
  const server = await createServer(parseConfig(config(), 'test', {}));
  t.after(() => server.close());
  const login = (password: string) =>
    server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { authorization: `Basic ${Buffer.from(`app:${SECRET}`).toString('base64')}` },
      payload: { grant_type: 'password', username: 'alice', password, scope: 'openid' },
    });
  const ok = await login('correct-horse-battery');
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(ok.json().token_type, 'Bearer');
  const refused = await login('wrong');
  assert.equal(refused.statusCode, 400);
  assert.equal(refused.json().error, new InvalidGrantError('').error);
});

test("import 'tollgate': an invalid configuration is the exported ConfigError, naming the key path", () => {
  const input = { ...config(), clients: [{ client_id: 'app', client_secret: SECRET, grant_types: ['pasword'] }] };
  assert.throws(() => parseConfig(input, 'test', {}), (err: unknown) => err instanceof ConfigError && /clients\[0\]\.grant_types\[0\]/.test(err.message));
});

test("import 'tollgate': every error class in src/errors/ is exported as that same class, the one the server throws", async () => {
  const modules = [await import('../../src/errors/oauth.ts'), await import('../../src/errors/management.ts')];
  const classes = modules.flatMap((m) => Object.entries(m)).filter(([, value]) => typeof value === 'function' && value.prototype instanceof Error);
  assert.ok(classes.length >= 30, `found ${classes.length} error classes`);
  const exported = tollgate as Record<string, unknown>;
  for (const [name, value] of classes) assert.equal(exported[name], value, `${name} is exported from 'tollgate'`);
  assert.ok(new InvalidGrantError('x') instanceof OAuthError);
});

test("import 'tollgate/actions' and the Action type from 'tollgate' describe the same action", () => {
  const action: Action = {
    onExecutePostLogin: (event: PostLoginEvent, api) => {
      if (event.user.app_metadata.blocked) api.access.deny('blocked');
    },
  };
  assert.equal(typeof action.onExecutePostLogin, 'function');
});
