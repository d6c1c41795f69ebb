/** Validation problems as people read them: each names its key path, e.g. `clients[1].grant_types[0]: ...`. */
import type { z } from 'zod';

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out || '(root)';
}

/** One problem per issue, and one per key zod found unrecognised. */
export function issueProblems(issues: readonly z.core.$ZodIssue[]): { field: string; message: string }[] {
  return issues.flatMap((issue) => issue.code === 'unrecognized_keys'
    ? issue.keys.map((key) => ({ field: formatPath([...issue.path, key]), message: 'unknown key' }))
    : [{ field: formatPath(issue.path), message: issue.message }]);
}

/** A zod error as lines that name each key path: `clients[1].colour: unknown key`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issueProblems(issues).map((p) => `${p.field}: ${p.message}`);
}
