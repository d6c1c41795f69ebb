/**
 * Breached password detection (Auth0's): a password found in the Pwned Passwords list is refused or reported, at
 * login after the right password only (a wrong one is never looked up, so the check is no oracle), and whenever a
 * password is set. A list that cannot be asked lets the password pass (fail-open) and says so in a
 * breached_password.unavailable event: the check adds safety, and its outage must not lock every user out.
 *
 * A leak found at login is recorded on the user (password_leaked_at, cleared by the next password change), so later
 * logins with that password are refused without another lookup, and the notifications go once per leaked password.
 */
import type { Logger } from 'pino';
import type { BreachedPasswordSettings, PasswordStage } from '../config/breached-schema.ts';
import { PasswordLeakedError } from '../errors/oauth.ts';
import type { AuditLog, EventInput } from '../events/audit.ts';
import { smtpMailer, type Mail, type Mailer } from '../mfa/delivery.ts';
import type { Config } from '../config/schema.ts';
import type { UserRecord } from '../model/user.ts';
import type { UserStore } from '../storage/slices/users.ts';
import { FileList } from './file-list.ts';
import { BreachListUnavailableError, sha1Of, type BreachLookup } from './lookup.ts';
import { adminLoginNotice, adminStageNotice, userNotice } from './notices.ts';
import { RangeApi } from './range-api.ts';

export interface BreachedPasswordDeps {
  /** The settings in force: read at every check, so a change (the management API's) applies to the next one. */
  settings: () => BreachedPasswordSettings;
  users: Pick<UserStore, 'markPasswordLeaked'>;
  audit: AuditLog;
  log: Logger;
  /** mfa.email's SMTP server; undefined when none is configured (the notification shields then only log). */
  mailer: Mailer | undefined;
  now: () => number;
  /** The CLI waits for a file index being built; a node fails open meanwhile (a login must not wait minutes). */
  waitForIndex: boolean;
}

/**
 * The detection a configuration describes: its settings (the file's, or `settings` where the management API may have
 * changed them), and mfa.email's SMTP server for the notifications.
 */
export function breachedPasswords(
  config: Config, deps: Omit<BreachedPasswordDeps, 'settings' | 'mailer'>,
  settings: () => BreachedPasswordSettings = () => config.attack_protection.breached_password_detection,
): BreachedPasswords {
  return new BreachedPasswords({ ...deps, settings, mailer: config.mfa.email && smtpMailer(config.mfa.email) });
}

/** Who is setting a password: the user being created, or whose password changes (id). */
export interface PasswordOwnerRef {
  connection: string;
  username: string;
  id?: string;
}

/** Event fields of a login (protection's eventFields). */
export type LoginEventFields = Pick<EventInput, 'connection' | 'username' | 'user_id' | 'ip' | 'client_id' | 'user_agent'>;

export class BreachedPasswords {
  readonly #deps: BreachedPasswordDeps;
  #lookup: { key: string; lookup: BreachLookup } | undefined;
  readonly #sending = new Set<Promise<void>>();

  constructor(deps: BreachedPasswordDeps) {
    this.#deps = deps;
  }

  /**
   * Starts building the file index now rather than at the first login (a node calls this at start, without waiting);
   * resolves once lookups can be made, rejects when the list cannot be indexed.
   */
  async prepare(): Promise<void> {
    const lookup = this.#lookupFor(this.#deps.settings());
    if (lookup instanceof FileList) await lookup.prepare();
  }

  /**
   * After the right password: throws PasswordLeakedError when the password is breached and the block shield is on;
   * records the leak and notifies as the shields say.
   */
  async screenLogin(user: UserRecord, password: string, event: LoginEventFields): Promise<void> {
    const settings = this.#deps.settings();
    if (!settings.enabled || settings.shields.length === 0) return;
    let firstDetection = false;
    if (user.password_leaked_at === null) {
      if (!(await this.#breached(settings, password, event))) return;
      firstDetection = await this.#deps.users.markPasswordLeaked(user.id, user.password_hash, this.#deps.now());
    }
    const blocked = settings.shields.includes('block');
    if (firstDetection) this.#notifyLogin(settings, user, event.ip ?? null, blocked);
    // A leak already recorded is reported again only when it refuses the login: that refusal is what an operator looks for.
    if (!firstDetection && !blocked) return;
    const leak: EventInput = { type: 'pwd_leak', outcome: blocked ? 'failure' : 'success', reason: settings.shields.join(','), ...event };
    if (blocked) throw await this.#deps.audit.fail(new PasswordLeakedError(), leak);
    await this.#deps.audit.emit(leak);
  }

  /**
   * Before a password is stored: true when the stage's block shield refuses it (nothing is stored then). `notify`
   * false: no admin email (an import reports its refusals in its own report instead of one email per record).
   */
  async refuses(password: string, stage: PasswordStage, owner: PasswordOwnerRef, notify = true): Promise<boolean> {
    const settings = this.#deps.settings();
    const { shields } = settings.stage[stage];
    if (!settings.enabled || shields.length === 0) return false;
    const event = { connection: owner.connection, username: owner.username.toLowerCase(), user_id: owner.id ?? null };
    if (!(await this.#breached(settings, password, event))) return false;
    const refused = shields.includes('block');
    await this.#deps.audit.emit({ type: 'pwd_leak', outcome: refused ? 'failure' : 'success', reason: `${stage}:${shields.join(',')}`, ...event });
    if (notify && shields.includes('admin_notification')) {
      await this.#send(adminStageNotice(settings.admin_notification_emails, stage, owner, refused));
    }
    return refused;
  }

  /** Resolves once the notifications sent in the background are out (or failed). */
  async idle(): Promise<void> {
    while (this.#sending.size > 0) await Promise.all(this.#sending);
  }

  async close(): Promise<void> {
    await this.idle();
    await this.#lookup?.lookup.close();
    this.#lookup = undefined;
  }

  /** Whether the list has seen the password at least min_count times; false when it cannot be asked (fail-open). */
  async #breached(settings: BreachedPasswordSettings, password: string, event: Omit<EventInput, 'type' | 'outcome'>): Promise<boolean> {
    try {
      return (await this.#lookupFor(settings).count(sha1Of(password))) >= settings.min_count;
    } catch (err) {
      if (!(err instanceof BreachListUnavailableError)) throw err;
      this.#deps.log.warn({ method: settings.method, detail: err.message }, 'breached password detection unavailable: the password passed unchecked');
      await this.#deps.audit.emit({ ...event, type: 'breached_password.unavailable', outcome: 'failure', reason: `${settings.method}:${err.code}` });
      return false;
    }
  }

  /** The lookup for these settings: made again when the method, the URL or the file change. */
  #lookupFor(settings: BreachedPasswordSettings): BreachLookup {
    const { method, range_url, range_timeout, range_cache_ttl, file } = settings;
    const key = JSON.stringify([method, range_url, range_timeout, range_cache_ttl, file]);
    if (this.#lookup?.key === key) return this.#lookup.lookup;
    void this.#lookup?.lookup.close();
    const lookup = method === 'range_api'
      ? new RangeApi({ url: range_url, timeoutMs: range_timeout, cacheTtlMs: range_cache_ttl * 1000 })
      : new FileList({ file: file!, waitForIndex: this.#deps.waitForIndex, onBuild: (e) => this.#logBuild(file!, e) });
    this.#lookup = { key, lookup };
    return lookup;
  }

  #logBuild(file: string, event: Parameters<NonNullable<ConstructorParameters<typeof FileList>[0]['onBuild']>>[0]): void {
    const { log } = this.#deps;
    if (event.phase === 'started') {
      log.warn({ file }, this.#deps.waitForIndex ? 'building the index of the breached password list (minutes for the full list): waiting for it'
        : 'building the index of the breached password list: logins pass unchecked until it is ready');
    }
    else if (event.phase === 'finished') log.info({ file, hashes: event.hashes, ms: event.ms }, 'breached password index built');
    else log.error({ file, err: event.error.message }, 'the breached password list cannot be indexed: logins pass unchecked');
  }

  /** In the background: the login's answer does not wait for an SMTP server. */
  #notifyLogin(settings: BreachedPasswordSettings, user: UserRecord, ip: string | null, blocked: boolean): void {
    const toUser = settings.shields.includes('user_notification') && user.email !== null;
    const notice = { connection: user.connection, username: user.username, userId: user.id, ip, blocked, userNotified: toUser };
    const mails: Mail[] = [];
    if (toUser) mails.push(userNotice(user.email!, notice));
    if (settings.shields.includes('admin_notification')) mails.push(adminLoginNotice(settings.admin_notification_emails, notice));
    if (mails.length === 0) return;
    const sending = Promise.all(mails.map((mail) => this.#send(mail))).then(() => {});
    this.#sending.add(sending);
    void sending.finally(() => this.#sending.delete(sending));
  }

  /** Never rejects: a notification that cannot be sent is logged (without its text), the login or write goes on. */
  async #send(mail: Mail): Promise<void> {
    if (mail.to.length === 0) return;
    if (!this.#deps.mailer) {
      this.#deps.log.warn({ subject: mail.subject }, 'breached password notification not sent: mfa.email is not configured');
      return;
    }
    await this.#deps.mailer.send(mail).catch((err: unknown) => {
      this.#deps.log.error({ subject: mail.subject, err: (err as Error).message }, 'breached password notification not sent');
    });
  }
}
