/** Value types several parts of the configuration schema share. */
import { z } from 'zod';

export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

export const oneOf = <T extends string>(values: readonly T[], what: string) =>
  z.enum(values as [T, ...T[]], { error: (issue) => `unknown ${what} ${JSON.stringify(issue.input)} (one of: ${values.join(', ')})` });
