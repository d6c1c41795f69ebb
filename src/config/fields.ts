/** Value types several parts of the configuration schema share. */
import { z } from 'zod';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../protocol/json-depth.ts';

export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

export const oneOf = <T extends string>(values: readonly T[], what: string) =>
  z.enum(values as [T, ...T[]], { error: (issue) => `unknown ${what} ${JSON.stringify(issue.input)} (one of: ${values.join(', ')})` });

/** A JSON object from outside (metadata, a JWK): refused when it nests more than MAX_JSON_DEPTH levels, itself included. */
export const jsonObject = () => z.record(z.string(), z.unknown())
  .refine((value) => !nestedDeeperThan(value, MAX_JSON_DEPTH), { error: `nests more than ${MAX_JSON_DEPTH} levels of objects and arrays` });
