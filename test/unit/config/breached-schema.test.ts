/** attack_protection.breached_password_detection: Auth0's names and defaults, and the settings that cannot work together. */
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import test from 'node:test';
import { parseConfig } from '../../../src/config/load.ts';
import { configProblems } from '../../helpers/config.ts';

const detection = (settings: Record<string, unknown>, more: Record<string, unknown> = {}) => ({ attack_protection: { breached_password_detection: settings }, ...more });

test('defaults: off, the public range API, block at login and at both stages', () => {
  assert.deepEqual(parseConfig({}, 'test', {}).attack_protection.breached_password_detection, {
    enabled: false, method: 'range_api', range_url: 'https://api.pwnedpasswords.com/range/', range_timeout: 2000, range_cache_ttl: 300,
    min_count: 1, shields: ['block'], admin_notification_emails: [],
    stage: { 'pre-user-registration': { shields: ['block'] }, 'pre-change-password': { shields: ['block'] } },
  });
});

test('the file is resolved against the configuration file\'s folder', () => {
  const config = parseConfig(detection({ enabled: true, method: 'file', file: './pwned-sha1.txt' }), 'test', {}, '/etc/tollgate');
  assert.equal(config.attack_protection.breached_password_detection.file, resolve('/etc/tollgate', 'pwned-sha1.txt'));
});

test('settings that cannot work are refused with their key', () => {
  const at = 'attack_protection.breached_password_detection';
  assert.deepEqual(configProblems(detection({ enabled: true, method: 'file' })), [`${at}.file: required with method file`]);
  assert.deepEqual(configProblems(detection({ enabled: true, shields: ['block', 'admin_notification'] })), [
    `${at}.admin_notification_emails: required with the admin_notification shield`,
  ]);
  assert.deepEqual(configProblems(detection({ enabled: true, shields: ['user_notification'] })), [
    `${at}.shields: user_notification and admin_notification send email through mfa.email, which is not set`,
  ]);
  assert.deepEqual(configProblems(detection({ enabled: true, shields: ['user_notification'] }, { mfa: { email: { smtp: 'smtp://127.0.0.1:25', from: 'a@b.example' } } })), []);
  assert.deepEqual(configProblems(detection({ stage: { 'pre-change-password': { shields: ['user_notification'] } } })), [
    `${at}.stage.pre-change-password.shields[0]: unknown shield "user_notification" (one of: block, admin_notification)`,
  ]);
  assert.deepEqual(configProblems(detection({ shields: ['block', 'block'] })), [`${at}.shields: lists a shield twice`]);
  assert.deepEqual(configProblems(detection({ range_url: 'https://mirror.example/range' })), [`${at}.range_url: must end with "/": the 5-character prefix is appended`]);
  assert.deepEqual(configProblems(detection({ method: 'ntlm' })), [`${at}.method: unknown method "ntlm" (one of: range_api, file)`]);
});
