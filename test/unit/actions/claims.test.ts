/** Which custom claim names and values actions may use (namespaced, as Auth0's OIDC-conformant pipeline asks). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { claimNameProblem, claimValueProblem, isNamespaced } from '../../../src/actions/claims.ts';
import { matches } from '../../../src/actions/builtins/deny-unless.ts';

test('namespaced means an http(s) URL with a host', () => {
  for (const ok of ['https://example.com/roles', 'http://example.com/x', 'https://app.example.com/a/b']) assert.equal(isNamespaced(ok), true, ok);
  for (const no of ['roles', 'urn:example:roles', 'https://', 'example.com/roles', 'ftp://example.com/x']) assert.equal(isNamespaced(no), false, no);
});

test('registered claims are never settable, even if allowlisted; other plain names only when allowlisted', () => {
  const allow = new Set(['favorite_color', 'sub']);
  for (const claim of ['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'scope', 'azp', 'client_id', 'amr', 'auth_time', 'cnf', 'nonce']) {
    assert.match(claimNameProblem(claim, allow)!, /registered claim/, claim);
  }
  assert.equal(claimNameProblem('favorite_color', allow), undefined);
  assert.match(claimNameProblem('favourite_colour', allow)!, /not namespaced/);
  assert.equal(claimNameProblem('https://example.com/sub', new Set()), undefined);
});

test('claim values are JSON', () => {
  for (const ok of ['x', 1, true, null, [1, 'a'], { a: { b: [] } }]) assert.equal(claimValueProblem(ok), undefined);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  for (const no of [undefined, () => 1, Symbol('s'), 1n, Number.NaN, Infinity, cyclic]) assert.notEqual(claimValueProblem(no), undefined, String(typeof no));
});

test('builtin/deny-unless: every condition given must hold', () => {
  const user = {
    sub: 'u', user_id: 'u', connection: 'customers', username: 'a', email: 'a@Example.com', email_verified: true, name: null, given_name: null,
    family_name: null, nickname: null, picture: null, user_metadata: {}, app_metadata: { roles: ['admin'], plan: { tier: 'pro' } },
  };
  const base = { reason: 'no' };
  assert.equal(matches({ ...base, email_domains: ['example.com'] }, user), true);
  assert.equal(matches({ ...base, email_domains: ['sub.example.com'] }, user), false);
  assert.equal(matches({ ...base, connections: ['employees'] }, user), false);
  assert.equal(matches({ ...base, email_verified: false }, user), false);
  assert.equal(matches({ ...base, app_metadata: { roles: 'admin', plan: { tier: 'pro' } } }, user), true);
  assert.equal(matches({ ...base, app_metadata: { roles: 'editor' } }, user), false);
  assert.equal(matches({ ...base, app_metadata: { missing: null } }, user), false);
  assert.equal(matches({ ...base, email_domains: ['example.com'] }, { ...user, email: null }), false);
});
