/** docs/import.md's examples are real: each JSON record imports, and those whose password the page gives verify with it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { importAuth0Users } from '../../../src/accounts/import/import-users.ts';
import { argon2Hasher } from '../../../src/accounts/passwords.ts';
import { passwordPolicySchema } from '../../../src/config/schema.ts';
import { openSqlite } from '../../../src/storage/sqlite/store.ts';

const page = readFileSync(new URL('../../../docs/import.md', import.meta.url), 'utf8');
const examples = [...page.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);

test('every JSON example in docs/import.md imports without a problem', async (t) => {
  assert.ok(examples.length >= 6, `found ${examples.length} examples`);
  const store = openSqlite('sqlite::memory:');
  t.after(() => store.close());
  const hasher = argon2Hasher({ memory_cost: 64, time_cost: 1, parallelism: 1 });
  const report = await importAuth0Users(`[${examples.join(',')}]`, { connection: 'customers', upsert: false, policy: passwordPolicySchema.parse({}), now: 0 },
    { store, hasher, checks: { verify: hasher.verify, score: async () => 4 } });
  assert.deepEqual(report.problems, []);
  assert.equal(report.created, examples.length);
  for (const [email, password] of [['carmella@contoso.com', 'password'], ['olga@contoso.com', 'crème brûlée']] as const) {
    const stored = (await store.users.findUserByLogin('customers', email))!.password_hash;
    assert.equal(await hasher.verify(stored, password), true, email);
    assert.equal(await hasher.verify(stored, 'wrong'), false, email);
  }
});
