/**
 * Auth0's v3 user search syntax: the trees the parser builds, the errors that say where a query failed, and a fuzz
 * of random and mutated queries: each either parses into SQL whose text holds no query value (every value is a
 * parameter) or fails with a QuerySyntaxError, never anything else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { QuerySyntaxError, parseUserQuery } from '../../../src/protocol/user-query.ts';
import { POSTGRES_SEARCH, SQLITE_SEARCH, userQueryCondition } from '../../../src/storage/user-search-sql.ts';

test('terms, phrases, prefixes, operators, groups and ranges become a tree', () => {
  assert.deepEqual(parseUserQuery('email:"a@b.c"'), { op: 'match', field: 'email', match: { kind: 'equals', value: 'a@b.c' } });
  assert.deepEqual(parseUserQuery('username:jo*'), { op: 'match', field: 'username', match: { kind: 'prefix', value: 'jo' } });
  assert.deepEqual(parseUserQuery('a OR b c'), {
    op: 'or', terms: [
      { op: 'match', field: undefined, match: { kind: 'equals', value: 'a' } },
      { op: 'and', terms: [{ op: 'match', field: undefined, match: { kind: 'equals', value: 'b' } }, { op: 'match', field: undefined, match: { kind: 'equals', value: 'c' } }] },
    ],
  }, 'AND (also implicit) binds tighter than OR');
  assert.deepEqual(parseUserQuery('NOT (blocked:true)'), { op: 'not', term: { op: 'match', field: 'blocked', match: { kind: 'equals', value: 'true' } } });
  assert.deepEqual(parseUserQuery('app_metadata.seats:[1 TO *}'), { op: 'match', field: 'app_metadata.seats', match: { kind: 'range', low: '1', high: undefined, includeLow: true, includeHigh: false } });
  assert.deepEqual(parseUserQuery('created_at:[2026-01-01 TO 2026-01-02]').op, 'match');
  assert.deepEqual(parseUserQuery('_exists_:user_metadata.city'), { op: 'match', field: 'user_metadata.city', match: { kind: 'exists' } });
  assert.deepEqual(parseUserQuery('name:"with \\" quote"'), { op: 'match', field: 'name', match: { kind: 'equals', value: 'with " quote' } });
  assert.deepEqual(parseUserQuery('email:jane-doe@example.com'), { op: 'match', field: 'email', match: { kind: 'equals', value: 'jane-doe@example.com' } }, 'a - inside a value is the value');
});

test('a bad query fails saying where and why', () => {
  const cases: [string, RegExp][] = [
    ['email:"open', /unterminated quoted phrase at character 7/],
    ['(username:a', /expected "\)" at character 12/],
    ['colour:red', /unknown field "colour" .* at character 1/],
    ['username:*ab', /only a trailing \* .* at character 10/],
    ['username:a*b', /only a trailing \*/],
    ['blocked:maybe', /blocked is true or false/],
    ['created_at:yesterday', /"yesterday" is not a date/],
    ['created_at:[1 2]', /expected TO in a range at character 15/],
    ['a AND', /the query ends where a value was expected at character 6/],
    ['OR a', /unexpected OR at character 1/],
    ['', /empty query/],
    ['a )', /unexpected "\)" at character 3/],
    ['x'.repeat(1025), /longer than 1024 characters/],
    [`${'('.repeat(20)}a${')'.repeat(20)}`, /nested deeper than 16 levels/],
    [Array.from({ length: 65 }, (_, i) => `a${i}`).join(' '), /more than 64 terms/],
  ];
  for (const [q, why] of cases) assert.throws(() => parseUserQuery(q), (err: unknown) => err instanceof QuerySyntaxError && why.test(err.message), q.slice(0, 40));
});

const PIECES = ['email:', 'username:', 'name:', 'app_metadata.plan:', 'user_metadata.a.b:', 'created_at:', 'blocked:', '_exists_:', 'colour:',
  '"', '"x y"', '(', ')', '[', ']', '{', '}', ' TO ', ' AND ', ' OR ', 'NOT ', '-', '*', 'ab*', 'true', '2026-01-01', '42', ':', '>=', '<',
  "'; DROP TABLE users; --", '\\', '%', '_', 'é', '\u0000', ' ', 'x'];

test('fuzz: 20,000 random queries parse into parameterized SQL or fail with a QuerySyntaxError, nothing else', () => {
  let parsed = 0;
  for (let i = 0; i < 20_000; i++) {
    const q = Array.from({ length: randomInt(1, 12) }, () => PIECES[randomInt(PIECES.length)]).join('');
    let tree;
    try {
      tree = parseUserQuery(q);
    } catch (err) {
      assert.ok(err instanceof QuerySyntaxError, `${JSON.stringify(q)}: ${err}`);
      assert.ok(err.position >= 0 && err.position <= q.length, `${JSON.stringify(q)}: position ${err.position}`);
      continue;
    }
    parsed++;
    for (const dialect of [SQLITE_SEARCH, POSTGRES_SEARCH]) {
      const values: unknown[] = [];
      const sql = userQueryCondition(tree, (v) => { values.push(v); return `$${values.length}`; }, dialect);
      // The SQL text is built from column names, operators and placeholders only: no quote but the fixed ones.
      assert.doesNotMatch(sql.replace(/'(true|false|integer|real|object|array|number|\\)'/g, ''), /['"%;]|DROP/, `${JSON.stringify(q)} -> ${sql}`);
    }
  }
  assert.ok(parsed > 1000, `enough queries parsed to exercise the SQL (${parsed})`);
});
