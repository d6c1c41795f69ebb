/** The pure parts of refresh-token families: a token's selector, what a token is to its family, and the next state. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RefreshFamilyRecord } from '../../../src/model/tokens.ts';
import { refreshFamily } from '../../helpers/records.ts';
import { tokenHash } from '../../../src/tokens/opaque.ts';
import { presentedAs, reissued, rotated, selectorOf } from '../../../src/tokens/refresh.ts';

const T = 1_767_225_600;
const POLICY = { rotation: 'rotating' as const, leeway: 30, idle_ttl: 100, absolute_ttl: 1000 };

function family(overrides: Partial<RefreshFamilyRecord> = {}): RefreshFamilyRecord {
  return refreshFamily({
    selector: 'sel', generation: 2, token_hashes: ['live'], previous_hashes: ['prev-a', 'prev-b'], rotated_at: T, scope: ['offline_access'],
    family_expires_at: T + 150, ...overrides,
  });
}

test('selectorOf: the part before the dot, at most 64 characters; an older token without a dot by its hash', () => {
  assert.equal(selectorOf('abc.secret'), 'abc');
  assert.equal(selectorOf(`${'s'.repeat(64)}.x`), 's'.repeat(64));
  assert.equal(selectorOf(`${'s'.repeat(65)}.x`), undefined);
  assert.equal(selectorOf('.secret'), undefined);
  assert.equal(selectorOf('old-shape-token'), tokenHash('old-shape-token'));
});

test('presentedAs: a live token, one the last rotation consumed, or any other', () => {
  assert.equal(presentedAs(family(), 'live'), 'live');
  assert.equal(presentedAs(family(), 'prev-b'), 'previous');
  assert.equal(presentedAs(family(), 'older'), 'older');
  assert.equal(presentedAs(family(), 'liv'), 'older', 'a prefix is no match');
});

test('rotated: one new live token under the same selector; every live one becomes previous; idle expiry capped by the family\'s', () => {
  const { token, state } = rotated(family({ token_hashes: ['a', 'b'] }), POLICY, T + 80);
  assert.ok(token.startsWith('sel.'));
  assert.deepEqual(state, { generation: 3, token_hashes: [tokenHash(token)], previous_hashes: ['a', 'b'], rotated_at: T + 80, idle_expires_at: T + 150 });
});

test('reissued: another live token of the same generation; the previous tokens and the rotation time stay', () => {
  const { token, state } = reissued(family(), POLICY, T + 10);
  assert.deepEqual(state, { generation: 2, token_hashes: ['live', tokenHash(token)], previous_hashes: ['prev-a', 'prev-b'], rotated_at: T, idle_expires_at: T + 110 });
});
