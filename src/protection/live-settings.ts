/**
 * Attack protection's settings as they apply now: the configuration file's, with the changes made through the
 * management API (stored in SQL, so every node shares them). A node reads the stored changes again once they are
 * older than storage_cache_ttl, so a change made on one node applies on every other within that bound; the node that
 * makes it applies it at once.
 *
 * The rule between the file and the API is per setting: the most recent change wins. A change through the API is
 * stored with the file's value it replaced, and holds, across restarts, while the file keeps that value; once the
 * file's value for that setting is edited, the file's value applies again (and the stored change is dropped at start).
 */
import type { AttackProtectionConfig } from '../config/schema.ts';
import { ConfiguredCache, deepFreeze } from '../storage/configured-cache.ts';
import type { SettingOverride } from '../model/settings.ts';
import type { SettingStore } from '../storage/slices/settings.ts';
import { IpList } from './ip-list.ts';

/** The settings the management API may change, by key path under attack_protection. */
export const CHANGEABLE_SETTINGS = [
  'brute_force.enabled', 'brute_force.threshold', 'brute_force.mode',
  'ip_throttling.enabled', 'ip_throttling.max_attempts', 'ip_throttling.per_day', 'allowlist',
  'breached_password_detection.enabled', 'breached_password_detection.shields',
  'breached_password_detection.stage.pre-user-registration.shields', 'breached_password_detection.stage.pre-change-password.shields',
] as const;
export type ChangeableSetting = (typeof CHANGEABLE_SETTINGS)[number];
export type SettingChanges = Partial<Record<ChangeableSetting, unknown>>;

const CHANGEABLE: ReadonlySet<string> = new Set(CHANGEABLE_SETTINGS);

/** The key ConfiguredCache keeps the stored changes under. */
const TABLE = 'setting_overrides';

export interface ProtectionSettings {
  /** attack_protection as it applies now (frozen). */
  config: AttackProtectionConfig;
  /** config.allowlist, ready to match. */
  allowlist: IpList;
}

export function valueAt(config: AttackProtectionConfig, setting: ChangeableSetting): unknown {
  return setting.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown>)[key], config);
}

function setValue(config: AttackProtectionConfig, setting: ChangeableSetting, value: unknown): void {
  const keys = setting.split('.');
  const parent = keys.slice(0, -1).reduce<Record<string, unknown>>((object, key) => object[key] as Record<string, unknown>, config as never);
  parent[keys.at(-1)!] = value;
}

/** Values compared as the store compares them: as JSON. */
const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Whether a stored change still holds against the file: the file has not been edited since, for that setting. */
function holds(override: SettingOverride, file: AttackProtectionConfig): override is SettingOverride & { setting: ChangeableSetting } {
  return CHANGEABLE.has(override.setting) && sameJson(override.file_value, valueAt(file, override.setting as ChangeableSetting));
}

export interface LiveSettingsDeps {
  store: SettingStore;
  /** attack_protection from the configuration file. */
  file: AttackProtectionConfig;
  /** storage_cache_ttl */
  cacheTtlMs: number;
  now: () => number;
}

export class LiveProtectionSettings {
  readonly file: AttackProtectionConfig;
  readonly #store: SettingStore;
  readonly #now: () => number;
  readonly #cache: ConfiguredCache;
  /** Settings made once per load of the stored changes. */
  readonly #made = new WeakMap<Map<string, unknown>, ProtectionSettings>();
  /** The load most recently started: only it may replace #latest, so a slow older load never brings back old settings. */
  #pending: Promise<Map<string, unknown>> | undefined;
  #latest: ProtectionSettings;

  constructor(deps: LiveSettingsDeps) {
    this.file = deps.file;
    this.#store = deps.store;
    this.#now = deps.now;
    this.#cache = new ConfiguredCache(deps.cacheTtlMs);
    this.#latest = this.#settingsOf(new Map());
  }

  #settingsOf(overrides: Map<string, unknown>): ProtectionSettings {
    let settings = this.#made.get(overrides);
    if (!settings) {
      const config = structuredClone(this.file);
      for (const override of overrides.values() as Iterable<SettingOverride>) {
        if (holds(override, this.file)) setValue(config, override.setting, structuredClone(override.value));
      }
      settings = { config: deepFreeze(config), allowlist: new IpList(config.allowlist) };
      this.#made.set(overrides, settings);
    }
    return settings;
  }

  #refresh(): Promise<Map<string, unknown>> {
    const loaded = this.#cache.records(TABLE, async () => (await this.#store.listSettingOverrides()).map((o) => [o.setting, o]));
    if (loaded !== this.#pending) {
      this.#pending = loaded;
      loaded.then((overrides) => {
        if (this.#pending === loaded) this.#latest = this.#settingsOf(overrides);
      }, () => {});
    }
    return loaded;
  }

  /** The settings in force: the stored changes read within storage_cache_ttl. */
  async current(): Promise<ProtectionSettings> {
    return this.#settingsOf(await this.#refresh());
  }

  /**
   * The settings most recently read, at once, for callers that cannot wait (the request rate limit's allowlist); a
   * read is started when they are older than storage_cache_ttl, so the next call has them.
   */
  latest(): ProtectionSettings {
    void this.#refresh();
    return this.#latest;
  }

  /** Stores changes (all or none), made by `actor` (a management client, or null for the CLI); this node applies them at once. */
  async change(changes: SettingChanges, actor: string | null): Promise<ProtectionSettings> {
    const updated_at = this.#now();
    await this.#store.putSettingOverrides(Object.entries(changes).map(([setting, value]) => ({
      setting, value, file_value: valueAt(this.file, setting as ChangeableSetting), updated_at, updated_by: actor,
    })));
    this.#cache.invalidate(TABLE);
    return this.current();
  }

  /**
   * At start: drops the stored changes whose setting the file has been edited for since, so the file's new value
   * applies from now on, even if the file is later edited back. Returns the settings whose file value now applies.
   */
  async applyFileEdits(): Promise<ChangeableSetting[]> {
    const edited: ChangeableSetting[] = [];
    for (const override of await this.#store.listSettingOverrides()) {
      if (!CHANGEABLE.has(override.setting) || holds(override, this.file)) continue;
      if (await this.#store.dropSettingOverride(override.setting, override.file_value)) edited.push(override.setting as ChangeableSetting);
    }
    this.#cache.invalidate(TABLE);
    return edited;
  }
}
