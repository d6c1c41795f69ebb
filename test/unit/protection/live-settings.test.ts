/** LiveProtectionSettings: the file's settings with the stored changes that still hold, read again within the cache bound. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attackProtectionSchema } from '../../../src/config/schema.ts';
import { LiveProtectionSettings } from '../../../src/protection/live-settings.ts';
import type { SettingOverride } from '../../../src/model/settings.ts';
import type { SettingStore } from '../../../src/storage/slices/settings.ts';

const file = attackProtectionSchema.parse({ brute_force: { threshold: 10 }, allowlist: ['10.0.0.0/8'] });

/** A store whose reads wait until the test releases them, one at a time, in any order. */
function heldStore(rows: SettingOverride[] = []) {
  const reads: { release(rows: SettingOverride[]): void }[] = [];
  const store: SettingStore = {
    listSettingOverrides: () => new Promise((resolve) => reads.push({ release: resolve })),
    async putSettingOverrides(overrides) { rows.push(...overrides); },
    async dropSettingOverride() { return false; },
  };
  return { store, reads, rows };
}

const row = (setting: string, value: unknown, file_value: unknown): SettingOverride => ({ setting, value, file_value, updated_at: 0, updated_by: null });

test('a stored change applies while the file still has the value it replaced; one against another file value does not', async () => {
  const { store, reads } = heldStore();
  const live = new LiveProtectionSettings({ store, file, cacheTtlMs: 60_000, now: () => 0 });
  const current = live.current();
  reads[0]!.release([row('brute_force.threshold', 3, 10), row('brute_force.mode', 'per_account', 'per_account'), row('ip_throttling.max_attempts', 7, 100)]);
  const { config, allowlist } = await current;
  assert.deepEqual([config.brute_force.threshold, config.brute_force.mode, config.ip_throttling.max_attempts], [3, 'per_account_and_ip', 7]);
  assert.ok(allowlist.has('10.1.2.3'));
  assert.ok(Object.isFrozen(config.brute_force), 'no caller can change what the next one reads');
  assert.equal(file.brute_force.threshold, 10, 'the file\'s settings are left as they were');
});

test('latest(): the file\'s settings before the first read, then the newest read, never an older read that finished later', async () => {
  const { store, reads } = heldStore();
  const live = new LiveProtectionSettings({ store, file, cacheTtlMs: 0, now: () => 0 });
  assert.equal(live.latest().config.brute_force.threshold, 10, 'latest() starts a read and answers at once');
  const older = live.current();
  const newer = live.current();
  assert.equal(reads.length, 3, 'with no cache bound, each read goes to the store');
  reads[2]!.release([row('brute_force.threshold', 4, 10)]);
  await newer;
  reads[1]!.release([row('brute_force.threshold', 3, 10)]);
  reads[0]!.release([]);
  await older;
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(live.latest().config.brute_force.threshold, 4);
});

test('change(): this node applies it at once, however long the cache bound', async () => {
  const { store, reads, rows } = heldStore();
  const live = new LiveProtectionSettings({ store, file, cacheTtlMs: 3_600_000, now: () => 42 });
  const first = live.current();
  reads[0]!.release([]);
  await first;
  const changed = live.change({ 'brute_force.threshold': 5 }, 'ops');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(rows, [{ setting: 'brute_force.threshold', value: 5, file_value: 10, updated_at: 42, updated_by: 'ops' }]);
  reads[1]!.release([...rows]);
  assert.equal((await changed).config.brute_force.threshold, 5);
  assert.equal(live.latest().config.brute_force.threshold, 5);
});
