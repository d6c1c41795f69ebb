/** The problems parseConfig reports for a document (empty when it is valid). */
import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from '../../src/config/load.ts';

export function configProblems(raw: unknown): string[] {
  try {
    parseConfig(raw, 'test', {});
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  return [];
}
