/** SQL the refresh-token stores share (SQLite and PostgreSQL alike). */

/**
 * The families of the user whose id is the parameter `param`, found by their first token (generation 0) through the
 * partial index refresh_tokens_user_families: a rotation writes no page of it. That token outlives every live one of
 * its family: consumed, it is kept until the family ends; unconsumed, the family has no other.
 */
export const USER_FAMILIES = (param: string) => `SELECT family_id FROM refresh_tokens WHERE user_id = ${param} AND generation = 0`;
