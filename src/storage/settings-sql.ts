/** SettingStore in SQL that both dialects run unchanged (parameters as $n, as in ./jobs-sql.ts); values are JSON text. */
import type { SettingOverride } from '../model/settings.ts';
import type { SettingStore } from './slices/settings.ts';
import type { RunSql } from './portable-sql.ts';

const COLUMNS = 5;

export class SqlSettingStore implements SettingStore {
  readonly #run: RunSql;
  constructor(run: RunSql) {
    this.#run = run;
  }

  async listSettingOverrides(): Promise<SettingOverride[]> {
    const rows = await this.#run('SELECT setting, value, file_value, updated_at, updated_by FROM setting_overrides ORDER BY setting', []);
    return rows.map((row) => ({
      setting: row.setting as string,
      value: JSON.parse(row.value as string),
      file_value: JSON.parse(row.file_value as string),
      updated_at: Number(row.updated_at),
      updated_by: row.updated_by as string | null,
    }));
  }

  async putSettingOverrides(overrides: SettingOverride[]): Promise<void> {
    if (overrides.length === 0) return;
    // One multi-row statement: a partial update of several settings is applied whole or not at all.
    const rows = overrides.map((_, i) => `(${Array.from({ length: COLUMNS }, (__, c) => `$${i * COLUMNS + c + 1}`).join(', ')})`);
    await this.#run(`INSERT INTO setting_overrides (setting, value, file_value, updated_at, updated_by) VALUES ${rows.join(', ')}
      ON CONFLICT (setting) DO UPDATE SET value = excluded.value, file_value = excluded.file_value, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
    overrides.flatMap((o) => [o.setting, JSON.stringify(o.value), JSON.stringify(o.file_value), o.updated_at, o.updated_by]));
  }

  async dropSettingOverride(setting: string, fileValue: unknown): Promise<boolean> {
    return (await this.#run('DELETE FROM setting_overrides WHERE setting = $1 AND file_value = $2 RETURNING setting', [setting, JSON.stringify(fileValue)])).length === 1;
  }
}
