/** Users: create, read, search, change (profile, password, blocked) and delete; shared by the API and the CLI. */
import { z } from 'zod';
import { hashNewPassword, preparePassword, storePassword } from '../accounts/set-password.ts';
import { jsonObject } from '../config/fields.ts';
import { userSchema } from '../config/schema.ts';
import { profileOf } from '../config/sync.ts';
import { InvalidInputError, ResourceConflictError } from '../errors/management.ts';
import { NotFoundError } from '../errors/oauth.ts';
import { unblockAccount } from '../protection/unblock.ts';
import { ConflictError } from '../storage/errors.ts';
import type { Metadata, UserRecord } from '../model/user.ts';
import { profileFields } from '../storage/users.ts';
import { passwordDeps, recordChange, type Actor, type ManagementContext } from './context.ts';

const fields = userSchema.shape;
const password = z.string().min(1).max(1024).describe('Never returned; stored as an argon2id hash.');
const metadataPatch = jsonObject().describe('Merged into the stored object key by key; a key set to null is removed.');

/** Profile fields that may be empty: null (or absent) in a new user, null clears one in an update. */
const clearable = z.strictObject({
  email: z.email().nullable().describe('Also accepted as the login name; unique within its connection.'),
  name: z.string().nullable(),
  given_name: z.string().nullable(),
  family_name: z.string().nullable(),
  nickname: z.string().nullable(),
  picture: fields.picture.unwrap().nullable(),
}).partial();

export const createUserBody = userSchema.omit({ password_hash: true }).extend({ password, ...clearable.shape });
export type CreateUserBody = z.output<typeof createUserBody>;

export const updateUserBody = z.strictObject({
  username: fields.username,
  email_verified: z.boolean(),
  password: password.describe('A new password: the user\'s refresh tokens are revoked (tokens.revoke_refresh_on_password_change) and brute-force blocks end.'),
  blocked: z.boolean().describe('true: the user cannot log in, and their refresh tokens are revoked.'),
  app_metadata: metadataPatch,
  user_metadata: metadataPatch,
  ...clearable.shape,
}).partial();
export type UpdateUserBody = z.output<typeof updateUserBody>;

export const userIdParams = z.strictObject({ id: z.string().describe('The user id (the `sub` of their tokens).') });

/** A user as the API and the CLI show it: never the password hash. Times are unix seconds. */
export const userView = z.object({
  user_id: z.string(), connection: z.string(), username: z.string(), email: z.string().nullable(), email_verified: z.boolean(),
  name: z.string().nullable(), given_name: z.string().nullable(), family_name: z.string().nullable(), nickname: z.string().nullable(),
  picture: z.string().nullable(), blocked: z.boolean(), app_metadata: z.record(z.string(), z.unknown()), user_metadata: z.record(z.string(), z.unknown()),
  created_at: z.number().int(), updated_at: z.number().int(),
  password_leaked: z.boolean().describe('Breached password detection found the current password in the list of leaked passwords (Auth0\'s password_leaked); a new password clears it. While the block shield is on, logins with it are refused.'),
  password_leaked_at: z.number().int().nullable().describe('When that was found (unix seconds).'),
});
export type UserView = z.output<typeof userView>;

export function viewOfUser(user: UserRecord): UserView {
  const { id, password_hash: _secret, ...rest } = user;
  return { user_id: id, ...rest, password_leaked: user.password_leaked_at !== null };
}

export const noSuchUser = (id: string) => new NotFoundError(`No user with id "${id}".`);

function conflict(err: unknown): unknown {
  return err instanceof ConflictError ? new ResourceConflictError(`The ${err.message}.`) : err;
}

/** Auth0's metadata update: keys are merged one level deep; null removes one. */
function mergeMetadata(stored: Metadata, patch: Metadata | undefined): Metadata {
  if (patch === undefined) return stored;
  const merged: Metadata = { ...stored, ...patch };
  for (const [key, value] of Object.entries(patch)) if (value === null) delete merged[key];
  return merged;
}

export async function findUser(ctx: ManagementContext, id: string): Promise<UserRecord> {
  const user = await ctx.store.users.getUser(id);
  if (!user) throw noSuchUser(id);
  return user;
}

export async function createUser(ctx: ManagementContext, actor: Actor, body: CreateUserBody): Promise<UserView> {
  if (!(await ctx.store.connections.getConnection(body.connection))) {
    throw new InvalidInputError('body', [{ field: 'connection', message: `unknown connection "${body.connection}"` }]);
  }
  const owner = { connection: body.connection, username: body.username, email: body.email ?? null };
  const password_hash = await hashNewPassword(passwordDeps(ctx), body.password, owner, 'pre-user-registration');
  const user = await ctx.store.users.createUser({ ...profileOf(body), password_hash }, ctx.now()).catch((err: unknown) => { throw conflict(err); });
  await recordChange(ctx, actor, { type: 'user.created', connection: user.connection, username: user.username, user_id: user.id });
  return viewOfUser(user);
}

/** The profile fields a patch names, password aside: recorded (names only, never values) in the user.updated event. */
const changedFields = (patch: UpdateUserBody) => Object.keys(patch).filter((k) => k !== 'password').sort();

export async function updateUser(ctx: ManagementContext, actor: Actor, id: string, patch: UpdateUserBody): Promise<UserView> {
  const user = await findUser(ctx, id);
  const event = { connection: user.connection, username: user.username, user_id: user.id };
  const { password: newPassword, app_metadata, user_metadata, ...profilePatch } = patch;
  const changed = changedFields(patch);
  // The new password is checked before anything is written, so a refused one leaves the user as they were.
  const password = newPassword === undefined ? undefined : await preparePassword(passwordDeps(ctx), { ...user, ...profilePatch }, newPassword);
  if (changed.length > 0) {
    const profile = {
      ...profileFields(user), ...profilePatch,
      app_metadata: mergeMetadata(user.app_metadata, app_metadata), user_metadata: mergeMetadata(user.user_metadata, user_metadata),
    };
    const updated = await ctx.store.users.updateProfile(id, profile, ctx.now()).catch((err: unknown) => { throw conflict(err); });
    if (!updated) throw noSuchUser(id);
    // As with the configuration file's users: a blocked user's sessions end.
    if (patch.blocked === true) await ctx.families.revokeUser(id);
    await recordChange(ctx, actor, { type: 'user.updated', ...event, reason: changed.join(',') });
  }
  if (password) {
    if (!(await storePassword(passwordDeps(ctx), password))) throw noSuchUser(id);
    await recordChange(ctx, actor, { type: 'user.password_changed', ...event });
  }
  return viewOfUser(await findUser(ctx, id));
}

/** Deletes the user, their refresh tokens, authenticators and the failure counters of their account, so a new user of that name starts clean. */
export async function deleteUser(ctx: ManagementContext, actor: Actor, id: string): Promise<void> {
  const user = await findUser(ctx, id);
  if (!(await ctx.store.users.deleteUser(id))) throw noSuchUser(id);
  await ctx.families.revokeUser(id);
  await ctx.store.mfa.deleteUserAuthenticators(id);
  await unblockAccount({ attempts: ctx.store.attempts, audit: ctx.audit }, {
    connection: user.connection, username: user.username, reason: 'user_deleted', user_id: id, client_id: actor,
  });
  await recordChange(ctx, actor, { type: 'user.deleted', connection: user.connection, username: user.username, user_id: id });
}
