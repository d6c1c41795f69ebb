/**
 * Importing users in Auth0's bulk import format, framework-free, for `tollgate users import` and the management
 * API's import job alike: split the array, validate each record, turn its password into what Tollgate stores, insert
 * in batches. A bad record is reported with its index, line and reason (never its password or hash) and does not
 * stop the others. Imported hashes are stored as they are, not re-hashed, so an import costs no hashing at all
 * unless records carry plain passwords; each is replaced by argon2id at the user's first successful login.
 */
import { randomBytes } from 'node:crypto';
import { describeIssues } from '../../config/load.ts';
import { profileOf } from '../../config/sync.ts';
import type { PasswordPolicy, UserConfig } from '../../config/schema.ts';
import type { ImportProblem } from '../../model/jobs.ts';
import type { ImportedNewUser } from '../../model/user.ts';
import type { UserStore } from '../../storage/slices/users.ts';
import { BREACHED_REFUSAL } from '../../errors/management.ts';
import { HashFormatError } from '../legacy/encoding.ts';
import { isForeignHash, storedHashFromAuth0 } from '../legacy/registry.ts';
import { checkPassword, describeRefusal, type PolicyChecks } from '../password-policy.ts';
import type { PasswordHasher } from '../passwords.ts';
import { auth0UserSchema, recordProblem, type Auth0User } from './auth0-user.ts';
import type { JsonElement } from './json-array.ts';
import { splitUsersFile } from './users-file.ts';

export { ImportFileError, splitJsonArray, type JsonElement } from './json-array.ts';
export { splitUsersFile } from './users-file.ts';
export type { ImportProblem };

export interface ImportOptions {
  connection: string;
  /** Replace the profile of a user who exists (and an imported hash nobody has logged in with yet). */
  upsert: boolean;
  /** The connection's policy, for plain passwords. */
  policy: PasswordPolicy;
  now: number;
  /** Called after each batch with the report so far (the import job's progress and heartbeat); what it throws ends the import. */
  onBatch?: (report: ImportReport) => Promise<void>;
}

export interface ImportDeps {
  store: { readonly users: Pick<UserStore, 'importUsers' | 'replacePasswordHash'> };
  hasher: Pick<PasswordHasher, 'hash'>;
  checks: PolicyChecks;
}

export interface ImportReport {
  records: number;
  created: number;
  updated: number;
  /** Updated users whose password stayed, because it was not an imported hash any more (set or used in Tollgate). */
  passwords_kept: number;
  problems: ImportProblem[];
}

/** Records per store transaction: large enough to amortise the commit, small enough to keep memory flat. */
const BATCH = 1000;

/** `passwordGiven`: false for an exported user, whose unknowable password must never replace one an upsert finds. */
type Prepared = { element: JsonElement; user: ImportedNewUser; passwordGiven: boolean } | { element: JsonElement; reason: string };

/** JSON.parse's message can quote the input (a password): only where it failed is kept. */
function jsonProblem(element: JsonElement, err: unknown): string {
  const position = /at position (\d+)/.exec((err as Error).message)?.[1];
  if (position === undefined) return 'not valid JSON';
  const line = element.line + (element.text.slice(0, Number(position)).match(/\n/g)?.length ?? 0);
  return `not valid JSON (near line ${line})`;
}

/**
 * An Auth0 database user's id, `auth0|{id}`, keeps its {id} as the Tollgate user's (the `sub` of their tokens), so
 * an export imported elsewhere keeps its users' ids; any other id (another provider's) is not kept.
 */
function keptId(userId: string | undefined): string | undefined {
  return /^auth0\|([A-Za-z0-9_-]{1,64})$/.exec(userId ?? '')?.[1];
}

/** A plain password the connection's policy, or breached password detection, refuses. */
class Refused extends Error {}

/** Throws HashFormatError or Refused. */
async function passwordHashOf(record: Auth0User, username: string, options: ImportOptions, deps: ImportDeps): Promise<string> {
  if (record.custom_password_hash) return storedHashFromAuth0(record.custom_password_hash);
  // An exported user comes without a password (Auth0 exports none): a hash of 256 random bits nobody knows, so the
  // account exists, cannot be logged in to, and gets a password from an administrator (PATCH /api/v2/users/{id}).
  if (record.password === undefined && record.password_hash === undefined) return deps.hasher.hash(randomBytes(32).toString('base64url'));
  if (record.password_hash !== undefined) return storedHashFromAuth0({ algorithm: 'bcrypt', hash: { value: record.password_hash } });
  const password = record.password!;
  const verdict = await checkPassword(options.policy, password, { username, email: record.email ?? null }, deps.checks);
  if (!verdict.ok) throw new Refused(describeRefusal(verdict));
  // An import's refusals are in its report, so no admin email per record.
  const owner = { connection: options.connection, username };
  if (await deps.checks.breached?.refuses(password, 'pre-user-registration', owner, false)) throw new Refused(BREACHED_REFUSAL);
  return deps.hasher.hash(password);
}

/** Auth0's password_hash is a bcrypt hash.value of its own. */
function hashFieldOf(record: Auth0User, err: HashFormatError): string {
  return record.custom_password_hash ? `custom_password_hash.${err.field}` : 'password_hash';
}

async function prepare(element: JsonElement, options: ImportOptions, deps: ImportDeps): Promise<Prepared> {
  let raw: unknown;
  try {
    raw = JSON.parse(element.text);
  } catch (err) {
    return { element, reason: jsonProblem(element, err) };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { element, reason: 'not a JSON object' };
  const parsed = auth0UserSchema.safeParse(raw);
  if (!parsed.success) return { element, reason: describeIssues(parsed.error.issues).join('; ') };
  const record = parsed.data;
  const problem = recordProblem(record);
  if (problem) return { element, reason: problem };
  const username = record.username ?? record.email!;
  try {
    const password_hash = await passwordHashOf(record, username, options, deps);
    const passwordGiven = record.password !== undefined || record.password_hash !== undefined || record.custom_password_hash !== undefined;
    const id = keptId(record.user_id);
    return { element, user: { ...profileOf({ ...record, username, connection: options.connection } as UserConfig), password_hash, ...(id ? { id } : {}) }, passwordGiven };
  } catch (err) {
    if (err instanceof HashFormatError) return { element, reason: `${hashFieldOf(record, err)}: ${err.detail}` };
    if (err instanceof Refused) return { element, reason: err.message };
    throw err;
  }
}

function conflictReason(user: ImportedNewUser, upsert: boolean): string {
  const login = user.email === null || user.email === user.username ? `username "${user.username}"` : `username "${user.username}" or email "${user.email}"`;
  const who = user.id === undefined ? login : `${login} (or the id "${user.id}")`;
  return upsert ? `${who}: held by two different users of connection "${user.connection}", so neither is updated`
    : `${who} already exists in connection "${user.connection}" (--upsert updates existing users)`;
}

/** Throws ImportFileError, importing nothing, when the text is neither a JSON array nor NDJSON; otherwise reports on every record. */
export async function importAuth0Users(text: string, options: ImportOptions, deps: ImportDeps): Promise<ImportReport> {
  return importElements(splitUsersFile(text), options, deps);
}

/** Imports the elements splitJsonArray found (so a caller can refuse a file that is not an array before it starts). */
export async function importElements(elements: JsonElement[], options: ImportOptions, deps: ImportDeps): Promise<ImportReport> {
  const report: ImportReport = { records: elements.length, created: 0, updated: 0, passwords_kept: 0, problems: [] };
  const refuse = ({ index, line }: JsonElement, kind: ImportProblem['kind'], reason: string) => report.problems.push({ index, line, kind, reason });
  for (let start = 0; start < elements.length; start += BATCH) {
    const prepared = await Promise.all(elements.slice(start, start + BATCH).map((element) => prepare(element, options, deps)));
    const valid: { element: JsonElement; user: ImportedNewUser; passwordGiven: boolean }[] = [];
    for (const p of prepared) if ('user' in p) valid.push(p); else refuse(p.element, 'invalid', p.reason);
    const results = await deps.store.users.importUsers(valid.map((v) => v.user), options.now, { upsert: options.upsert });
    for (const [i, result] of results.entries()) {
      const { element, user, passwordGiven } = valid[i]!;
      if (result.outcome === 'created') report.created++;
      else if (result.outcome === 'conflict') refuse(element, 'conflict', conflictReason(user, options.upsert));
      else {
        report.updated++;
        // Only a hash nobody has logged in with yet is replaced, and only if it is still the one the store saw.
        if (passwordGiven && isForeignHash(result.password_hash)) await deps.store.users.replacePasswordHash(result.id, result.password_hash, user.password_hash, options.now);
        else report.passwords_kept++;
      }
    }
    await options.onBatch?.(report);
  }
  report.problems.sort((a, b) => a.index - b.index);
  return report;
}
