/** Settings the management API changed over the configuration file's. */

/**
 * A setting changed through the management API, beside the configuration file's value it replaced: the change holds
 * while the file still has that value (docs/management.md, attack protection settings). Values are JSON.
 */
export interface SettingOverride {
  /** The setting's key path in the configuration, e.g. `brute_force.threshold` under attack_protection. */
  setting: string;
  value: unknown;
  file_value: unknown;
  updated_at: number;
  /** The management client that made the change; null for the CLI. */
  updated_by: string | null;
}
