/**
 * `tollgate backup FILE` and `tollgate restore FILE`: an online copy of a SQLite store while nodes serve from it, and
 * the way back into a fresh store. The copy goes through SQLite's online backup API (node:sqlite `backup`), which
 * reads one consistent snapshot, WAL included; a file copy of a live WAL database can miss committed pages or tear
 * them. The MFA key file, when the store uses one, travels beside the copy. PostgreSQL is backed up with pg_dump.
 */
import { DatabaseSync, backup as sqliteBackup } from 'node:sqlite';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Config } from '../config/schema.ts';
import { parseArguments } from './args.ts';
import { UsageError, loadConfig } from './io.ts';

const BACKUP_HELP = `Usage: tollgate backup FILE [--config FILE]

Copies the SQLite store named by the configuration's "storage" to FILE while "tollgate serve" keeps running
(SQLite's online backup: one consistent snapshot, never a half-written page). FILE must not exist. When the store
keeps its MFA key in <database>.mfa-key (no mfa.encryption_keys configured), that key is copied to FILE.mfa-key:
keep it apart from the database copy, since together they open every TOTP secret.

PostgreSQL: use pg_dump (docs/deployment.md, "Backup and restore").
`;

const RESTORE_HELP = `Usage: tollgate restore FILE [--config FILE]

Restores a copy made by "tollgate backup" into the SQLite store named by the configuration's "storage", which must
not exist yet (stop the nodes and move the old database, with its -wal, -shm and .mfa-key files, away first). The
copy is checked (SQLite's integrity check, Tollgate's schema) before anything is written; FILE.mfa-key, when present,
becomes the store's key file. "tollgate serve" then applies any migration the copy lacks.

PostgreSQL: use pg_restore (docs/deployment.md, "Backup and restore").
`;

/** Pages per step: every page in one step, so the snapshot is read in one read transaction, which WAL writers never wait for. */
const ALL_PAGES = 2 ** 31 - 1;

/** The SQLite file the configuration's storage names; PostgreSQL and in-memory stores have none to copy. */
function sqlitePath(config: Config, command: string): string {
  if (!config.storage.startsWith('sqlite:')) {
    throw new UsageError(`${command} works on SQLite stores; for PostgreSQL use pg_dump and pg_restore (docs/deployment.md, "Backup and restore")`);
  }
  const path = config.storage.slice('sqlite:'.length);
  if (path === ':memory:') throw new UsageError(`the store is in memory: there is nothing to ${command}`);
  return path;
}

/** Whether the store seals MFA secrets with its key file rather than with mfa.encryption_keys (mfa/secret-box.ts). */
function usesKeyFile(config: Config): boolean {
  return (config.mfa.encryption_keys ?? []).length === 0;
}

/** A database that passes SQLite's integrity check and has Tollgate's schema; returns its newest migration. */
function checkedSchemaVersion(db: DatabaseSync, what: string): number {
  const check = db.prepare('PRAGMA integrity_check').all().map((row) => String(Object.values(row)[0]));
  if (check.join() !== 'ok') throw new Error(`${what} fails SQLite's integrity check: ${check.slice(0, 3).join('; ')}`);
  try {
    return Number((db.prepare('SELECT max(version) AS version FROM schema_migrations').get() as { version: number }).version);
  } catch {
    throw new Error(`${what} is not a Tollgate database (no schema_migrations table)`);
  }
}

/**
 * Copies the database at `sourcePath` into a new file at `target` through a temporary name, so a failed copy leaves
 * nothing at `target`; returns the copy's schema version. `prepare` runs on the source connection first. The copy,
 * not the source, is checked: it is what a restore will trust.
 */
async function copyDatabase(sourcePath: string, target: string, options: { readOnly: boolean; prepare: (source: DatabaseSync) => void }): Promise<number> {
  const source = new DatabaseSync(sourcePath, { readOnly: options.readOnly });
  const partial = `${target}.partial-${process.pid}`;
  try {
    options.prepare(source);
    await sqliteBackup(source, partial, { rate: ALL_PAGES });
    // A self-contained file: no -wal or -shm beside it once it is closed.
    const copy = new DatabaseSync(partial);
    let version: number;
    try {
      copy.exec('PRAGMA journal_mode = DELETE');
      version = checkedSchemaVersion(copy, 'the copy');
    } finally {
      copy.close();
    }
    renameSync(partial, target);
    return version;
  } finally {
    source.close();
    rmSync(partial, { force: true });
  }
}

/** Copies a key file, created owner-only (it opens every TOTP secret) and never over an existing one. */
function copyKeyFile(from: string, to: string): void {
  writeFileSync(to, readFileSync(from), { flag: 'wx', mode: 0o600 });
}

/** FILE, the configuration, and the path of the SQLite store it names; undefined after --help. */
function operands(args: string[], help: string, command: string): { file: string; config: Config; path: string } | undefined {
  const parsed = parseArguments(args, { config: { type: 'string' } }, help, 1);
  if (!parsed) return undefined;
  const [file] = parsed.positionals;
  if (file === undefined) throw new UsageError(`FILE is required\n\n${help}`);
  const { config } = loadConfig(parsed.values.config as string | undefined);
  return { file, config, path: sqlitePath(config, command) };
}

export async function backup(args: string[]): Promise<number | void> {
  const given = operands(args, BACKUP_HELP, 'backup');
  if (!given) return;
  const { file, config, path } = given;
  if (!existsSync(path)) throw new Error(`no database at ${path}`);
  if (existsSync(file)) throw new Error(`${file} exists: a backup never replaces a file`);
  // A checkpoint or a write holding the lock is waited for, as a node would wait.
  const version = await copyDatabase(path, file, { readOnly: false, prepare: (db) => db.exec('PRAGMA busy_timeout = 5000') });
  process.stdout.write(`backed up ${path} to ${file} (schema version ${version})\n`);
  const keyFile = `${path}.mfa-key`;
  if (usesKeyFile(config) && existsSync(keyFile)) {
    copyKeyFile(keyFile, `${file}.mfa-key`);
    process.stdout.write(`copied the MFA key ${keyFile} to ${file}.mfa-key: store it apart from the database copy\n`);
  } else if (!usesKeyFile(config)) {
    process.stdout.write('the MFA keys are mfa.encryption_keys in the configuration: back them up with it, apart from the database copy\n');
  }
}

export async function restore(args: string[]): Promise<number | void> {
  const given = operands(args, RESTORE_HELP, 'restore');
  if (!given) return;
  const { file, config, path } = given;
  if (!existsSync(file)) throw new Error(`no backup at ${file}`);
  for (const existing of [path, `${path}-wal`, `${path}.mfa-key`]) {
    if (existsSync(existing)) throw new Error(`${existing} exists: restore into a fresh store (stop the nodes and move the old files away first)`);
  }
  // Checked before anything is written: a damaged or foreign file never becomes the store.
  const version = await copyDatabase(file, path, { readOnly: true, prepare: (db) => checkedSchemaVersion(db, file) });
  process.stdout.write(`restored ${file} into ${path} (schema version ${version})\n`);
  const keyFile = `${file}.mfa-key`;
  if (usesKeyFile(config) && existsSync(keyFile)) {
    copyKeyFile(keyFile, `${path}.mfa-key`);
    process.stdout.write(`restored the MFA key to ${path}.mfa-key\n`);
  } else if (usesKeyFile(config)) {
    process.stdout.write(`no ${keyFile}: unless the backup's store had no MFA key, TOTP secrets will not open and users must enrol again\n`);
  }
}
