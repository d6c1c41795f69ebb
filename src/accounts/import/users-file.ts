/**
 * The two files Auth0 writes users in: its bulk import format (one JSON array) and what its users-exports job
 * writes (NDJSON: one JSON object per line). Which one a file is shows in its first character; each element keeps
 * the line it starts on, for the report.
 */
import { ImportFileError, splitJsonArray, type JsonElement } from './json-array.ts';

/** NDJSON: each non-blank line is one element; a line that is not an object is reported alone, as in an array. */
export function splitNdjson(text: string): JsonElement[] {
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  const elements: JsonElement[] = [];
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line !== '') elements.push({ index: elements.length, line: i + 1, text: line });
  }
  if (elements.length === 0) throw new ImportFileError(1, 'no users: expected a JSON array, or one JSON object per line (NDJSON)');
  return elements;
}

/** A JSON array (Auth0's bulk import) or NDJSON (Auth0's export), told apart by the first character that is not blank. */
export function splitUsersFile(text: string): JsonElement[] {
  const first = /\S/.exec(text.replace(/^\uFEFF/, ''))?.[0];
  if (first === '{') return splitNdjson(text);
  if (first !== '[') throw new ImportFileError(1, 'expected a JSON array of users ("[ {...}, {...} ]") or one JSON object per line (NDJSON)');
  return splitJsonArray(text);
}
