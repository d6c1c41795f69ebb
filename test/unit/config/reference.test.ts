import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { configReference } from '../../../src/config/reference-doc.ts';

test('docs/configuration.md is the reference generated from the schema (run `npm run docs` after changing it)', () => {
  const committed = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
  assert.equal(committed, configReference());
});
