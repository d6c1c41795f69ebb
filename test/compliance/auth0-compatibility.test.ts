/**
 * docs/auth0-compatibility.md tells Auth0 SDK users what Tollgate serves: every row that says "supported" names a
 * request that must reach a route (not the not-found handler, not a 405), so the table cannot claim a route that
 * is gone or was never there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startManaged } from '../helpers/management.ts';

const TABLE = new URL('../../docs/auth0-compatibility.md', import.meta.url);

interface Row {
  method: string;
  path: string;
  status: string;
}

/** The table rows whose second cell is a request (`METHOD /path`) and third a status. */
export function compatibilityRows(markdown: string): Row[] {
  return markdown.split('\n').flatMap((line) => {
    const cells = line.split('|').map((c) => c.trim());
    const request = /^`(GET|POST|PUT|PATCH|DELETE) (\/[^`]*)`$/.exec(cells[2] ?? '');
    return request ? [{ method: request[1]!, path: request[2]!, status: cells[3] ?? '' }] : [];
  });
}

test('every row of docs/auth0-compatibility.md that says supported names a route Tollgate has', async (t) => {
  const rows = compatibilityRows(readFileSync(TABLE, 'utf8'));
  assert.ok(rows.length > 40, `the table was read (${rows.length} rows)`);
  for (const row of rows) assert.match(row.status, /^(supported|supported, with a difference|not supported)$/, `${row.method} ${row.path}`);
  const tg = await startManaged(t, (c) => { c.legacy = { resource_owner_endpoint: true }; });
  assert.deepEqual(await unrouted(tg, rows.filter((r) => r.status.startsWith('supported'))), [], 'rows saying supported whose route does not exist');
});

/** The rows whose request reaches no route: the not-found handler answers, or the path has other methods only (405). */
async function unrouted(tg: Awaited<ReturnType<typeof startManaged>>, rows: Row[]): Promise<string[]> {
  const missing: string[] = [];
  for (const row of rows) {
    const res = await tg.app.inject({ method: row.method as 'GET', url: row.path.replace(/\{[^}]+\}/g, 'x') });
    const body = res.body === '' ? {} : res.json();
    if (res.statusCode === 405 || (res.statusCode === 404 && (body.message ?? body.error_description) === 'No such endpoint.')) missing.push(`${row.method} ${row.path}`);
  }
  return missing;
}

test('the check tells a missing route (or method) from a present one', async (t) => {
  const tg = await startManaged(t);
  const rows = compatibilityRows([
    '| x | `GET /api/v2/users/{id}` | supported | |', '| x | `POST /dbconnections/signup` | supported | |',
    '| x | `PUT /api/v2/users` | supported | |', '| x | `GET /userinfo` | supported | |',
  ].join('\n'));
  assert.deepEqual(await unrouted(tg, rows), ['POST /dbconnections/signup', 'PUT /api/v2/users']);
});
