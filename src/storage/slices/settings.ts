import type { SettingOverride } from '../../model/settings.ts';

export interface SettingStore {
  listSettingOverrides(): Promise<SettingOverride[]>;
  /** Writes every override in one statement (all or none); a later write of a setting replaces the earlier one. */
  putSettingOverrides(overrides: SettingOverride[]): Promise<void>;
  /**
   * Deletes the setting's override if it still replaces `fileValue` (compared as stored JSON), so a change made
   * meanwhile through the API is never lost; returns whether it went.
   */
  dropSettingOverride(setting: string, fileValue: unknown): Promise<boolean>;
}
