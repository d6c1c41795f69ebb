/**
 * Auth0's users-exports job: POST /api/v2/jobs/users-exports answers a completed job whose `location` Tollgate
 * serves itself, to the management client that created the job only, for EXPORT_TTL seconds. The file is written
 * from the users as they are when it is downloaded, in Auth0's export formats: NDJSON (format json, one user per
 * line, which `tollgate users import` and the import job read back) or CSV. Never a password hash: Auth0 exports none.
 */
import { Readable } from 'node:stream';
import { z } from 'zod';
import { InvalidInputError } from '../errors/management.ts';
import { NotFoundError } from '../errors/oauth.ts';
import type { UserExportRecord } from '../model/jobs.ts';
import type { UserRecord } from '../model/user.ts';
import type { Actor, ManagementContext } from './context.ts';
import { newJobId } from './import-jobs.ts';

/** Seconds a download is served after the job is created (Auth0's link expires too). */
export const EXPORT_TTL = 3600;
const PAGE = 1000;

/** What a user can be exported as, by Auth0's field names. */
const EXPORTERS: Record<string, (u: UserRecord) => unknown> = {
  user_id: (u) => `auth0|${u.id}`,
  email: (u) => u.email, email_verified: (u) => u.email_verified, username: (u) => u.username,
  name: (u) => u.name, given_name: (u) => u.given_name, family_name: (u) => u.family_name, nickname: (u) => u.nickname, picture: (u) => u.picture,
  blocked: (u) => u.blocked,
  created_at: (u) => new Date(u.created_at * 1000).toISOString(), updated_at: (u) => new Date(u.updated_at * 1000).toISOString(),
  app_metadata: (u) => u.app_metadata, user_metadata: (u) => u.user_metadata,
  identities: (u) => [{ provider: 'auth0', connection: u.connection, user_id: u.id, isSocial: false }],
};
const EXPORT_FIELDS = Object.keys(EXPORTERS);

export const userExportBody = z.strictObject({
  connection_id: z.string().optional().describe('Only this connection\'s users (default: every connection).'),
  format: z.enum(['json', 'csv']).default('json').describe('json: NDJSON, one user per line (what the import reads); csv: a header row, then one row per user.'),
  fields: z.array(z.strictObject({
    name: z.enum(EXPORT_FIELDS as [string, ...string[]]).describe('A user field.'),
    export_as: z.string().min(1).max(128).optional().describe('The name it is written under (default: name).'),
  })).min(1).max(EXPORT_FIELDS.length).optional().describe(`The fields to export, in order (default: all of ${EXPORT_FIELDS.join(', ')}).`),
});

export const userExportView = z.object({
  id: z.string(), type: z.literal('users_export'), status: z.literal('completed'), connection_id: z.string().nullable(), format: z.enum(['json', 'csv']),
  fields: z.array(z.object({ name: z.string(), export_as: z.string() })), created_at: z.number().int(), expires_at: z.number().int(),
  location: z.string().describe('Where the file is served (GET, with a token of the client that created the job) until expires_at.'),
});
export type UserExportView = z.output<typeof userExportView>;

export function viewOfExport(ctx: ManagementContext, record: UserExportRecord): UserExportView {
  const { client_id: _client, connection, ...shown } = record;
  return { ...shown, type: 'users_export', status: 'completed', connection_id: connection, location: `${ctx.managementAudience}jobs/${record.id}/download` };
}

export async function createUserExport(ctx: ManagementContext, actor: Actor, body: z.output<typeof userExportBody>): Promise<UserExportView> {
  if (body.connection_id !== undefined && !(await ctx.store.connections.getConnection(body.connection_id))) {
    throw new InvalidInputError('body', [{ field: 'connection_id', message: `unknown connection "${body.connection_id}"` }]);
  }
  const now = ctx.now();
  const record: UserExportRecord = {
    id: newJobId(),
    client_id: actor, connection: body.connection_id ?? null, format: body.format,
    fields: (body.fields ?? EXPORT_FIELDS.map((name) => ({ name, export_as: undefined }))).map((f) => ({ name: f.name, export_as: f.export_as ?? f.name })),
    created_at: now, expires_at: now + EXPORT_TTL,
  };
  await ctx.store.exports.createExport(record);
  return viewOfExport(ctx, record);
}

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled; objects are their JSON. */
function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The export's file, page by page, so a million users never sit in memory at once. */
async function* exportLines(ctx: ManagementContext, record: UserExportRecord): AsyncGenerator<string> {
  const row = (u: UserRecord) => record.fields.map((f) => [f.export_as, EXPORTERS[f.name]!(u)] as const);
  if (record.format === 'csv') yield `${record.fields.map((f) => csvCell(f.export_as)).join(',')}\r\n`;
  const filter = { ...(record.connection === null ? {} : { connection: record.connection }), sort: { field: 'user_id', descending: false } };
  for (let offset = 0; ; offset += PAGE) {
    const users = await ctx.store.users.listUsers({ ...filter, limit: PAGE, offset });
    yield users.map((u) => (record.format === 'csv'
      ? `${row(u).map(([, v]) => csvCell(v)).join(',')}\r\n`
      // A field the user has no value for is left out, as in Auth0's exports (and so the import reads it back).
      : `${JSON.stringify(Object.fromEntries(row(u).filter(([, v]) => v !== null)))}\n`)).join('');
    if (users.length < PAGE) return;
  }
}

/** A file the router sends as it is, with its media type. */
export class Download {
  readonly contentType: string;
  readonly body: Readable;
  constructor(contentType: string, body: Readable) {
    this.contentType = contentType;
    this.body = body;
  }
}

/** Only the creating client, only until it expires: to anyone else the job does not exist (404, as an unknown id). */
export async function downloadUserExport(ctx: ManagementContext, actor: Actor, id: string): Promise<Download> {
  const record = await ctx.store.exports.getExport(id);
  if (!record || record.client_id !== actor || ctx.now() >= record.expires_at) throw new NotFoundError(`No export to download with id "${id}" (an export is served to the client that created it, for ${EXPORT_TTL / 60} minutes).`);
  return new Download(record.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson', Readable.from(exportLines(ctx, record)));
}
