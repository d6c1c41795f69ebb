/** The storage contract for settings changed through the management API, the same assertions for each backend. */
import assert from 'node:assert/strict';
import type { SettingOverride } from '../../src/model/settings.ts';
import { forEachStore } from './each-store.ts';

const T = 1_767_225_600;

const override = (setting: string, value: unknown, file_value: unknown, updated_at = T): SettingOverride =>
  ({ setting, value, file_value, updated_at, updated_by: 'ops' });

forEachStore('storage contract: setting overrides', (withStore) => {
  withStore('putSettingOverrides writes every row at once; a later write of a setting replaces it; values keep their JSON types', async (store) => {
    assert.deepEqual(await store.settings.listSettingOverrides(), []);
    await store.settings.putSettingOverrides([]);
    await store.settings.putSettingOverrides([override('brute_force.threshold', 3, 10), override('allowlist', ['10.0.0.0/8'], [])]);
    await store.settings.putSettingOverrides([override('brute_force.threshold', 5, 10, T + 1), { ...override('ip_throttling.per_day', 86.4, 100), updated_by: null }]);
    assert.deepEqual(await store.settings.listSettingOverrides(), [
      override('allowlist', ['10.0.0.0/8'], []),
      override('brute_force.threshold', 5, 10, T + 1),
      { ...override('ip_throttling.per_day', 86.4, 100), updated_by: null },
    ]);
  });

  withStore('dropSettingOverride deletes a setting only while it still replaces the file value named', async (store) => {
    await store.settings.putSettingOverrides([override('brute_force.threshold', 3, 10), override('breached_password_detection.shields', ['block'], ['block', 'admin_notification'])]);
    assert.equal(await store.settings.dropSettingOverride('brute_force.threshold', 7), false, 'a change made against another file value stays');
    assert.equal(await store.settings.dropSettingOverride('brute_force.threshold', 10), true);
    assert.equal(await store.settings.dropSettingOverride('brute_force.threshold', 10), false, 'gone already');
    assert.equal(await store.settings.dropSettingOverride('breached_password_detection.shields', ['block', 'admin_notification']), true);
    assert.deepEqual(await store.settings.listSettingOverrides(), []);
  });
});
