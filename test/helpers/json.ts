/** JSON values for the nesting limit's tests. */

/** An object nested `levels` deep ({"a": [{"a": ... 1}]}), built without recursion. */
export function nested(levels: number): Record<string, unknown> {
  let value: unknown = 1;
  for (let i = levels - 1; i >= 0; i--) value = i % 2 === 0 ? { a: value } : [value];
  return value as Record<string, unknown>;
}

/** `{"<field>": {"a": {"a": ... {}}}}` as text, the field's value `levels` deep; `extra` members go first. */
export function deepBody(field: string, levels: number, extra: Record<string, unknown> = {}): string {
  const members = Object.keys(extra).length === 0 ? '' : `${JSON.stringify(extra).slice(1, -1)},`;
  return `{${members}"${field}":${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}}`;
}
