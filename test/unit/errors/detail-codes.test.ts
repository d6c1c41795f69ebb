/**
 * The error codes and the detail codes, in step with docs/errors.md (as fastify's errors test keeps its table): a code
 * added, renamed or dropped in the source without the table, or the reverse, fails here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DETAIL_CODES } from '../../../src/errors/details.ts';
import { MANAGEMENT_ERROR_CODES, OAUTH_ERROR_CODES } from '../../../src/errors/oauth.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const doc = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? sources(path) : e.name.endsWith('.ts') ? [readFileSync(path, 'utf8')] : [];
  });
}

test('docs/errors.md has one row per detail code, with its meaning as the source says it', () => {
  const rows = [...doc.matchAll(/^\| `([a-z_.]+)` \| (.*) \|$/gm)].map((m) => [m[1], m[2]!.replace(/\\\|/g, '|')]);
  assert.deepEqual(rows, Object.entries(DETAIL_CODES));
});

test('docs/errors.md names every error code a response may carry, and no other', () => {
  const section = (title: string) => doc.slice(doc.indexOf(title)).split('\n## ')[0]!;
  const named = [...section('## Error codes in responses').matchAll(/`([a-z_]+)`/g)].map((m) => m[1]);
  assert.deepEqual(named, [...OAUTH_ERROR_CODES, ...MANAGEMENT_ERROR_CODES]);
});

test('every detail code is used in src/ (a code nothing produces is a stale row)', () => {
  const text = sources(join(ROOT, 'src')).join('\n').replace(/export const DETAIL_CODES = \{[\s\S]*?\} as const;/, '');
  const unused = Object.keys(DETAIL_CODES).filter((code) => !new RegExp(`['\`]${code.replace('.', '\\.')}(['\`]|: )`).test(text));
  assert.deepEqual(unused, []);
});
