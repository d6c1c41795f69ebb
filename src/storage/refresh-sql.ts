/** SQL the refresh-token stores share (SQLite and PostgreSQL alike). */

/**
 * The families the purge deletes, with `now` bound to both parameters: past their absolute or idle expiry, or
 * revoked. A family is one record, so an ended one takes every token of it along; a token of a purged family is
 * then unknown, which the grant refuses as it refuses any invalid token.
 */
export const ENDED_FAMILIES = (first: string, second: string) =>
  `family_expires_at <= ${first} OR idle_expires_at <= ${second} OR revoked_at IS NOT NULL`;
