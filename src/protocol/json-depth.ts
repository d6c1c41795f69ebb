/**
 * How deeply JSON values from outside may nest. Everything that walks a JSON value recursively (JSON.stringify,
 * structuredClone, the parsers of most clients: Python's json, for one) runs out of stack somewhere past a few
 * thousand levels, so a value is refused when it is written, never found unreadable when it is read back.
 */

/** The most levels a metadata object, a token's claims or a JWK may nest, counting itself: `{"a": {"b": 1}}` is 2. */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether `value` nests objects and arrays more than `limit` levels (a scalar is 0 levels, `{}` and `[]` 1). Walks
 * with its own stack rather than the call stack, so no depth can overflow it, and stops at the first level too many;
 * a cycle counts as too deep.
 */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, level] = next;
    if (item === null || typeof item !== 'object') continue;
    if (level > limit) return true;
    for (const inner of Object.values(item)) {
      if (inner !== null && typeof inner === 'object') pending.push([inner, level + 1]);
    }
  }
  return false;
}
