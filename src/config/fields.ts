/** Value types several parts of the configuration schema share. */
import { z } from 'zod';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../protocol/json-depth.ts';

export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

export const oneOf = <T extends string>(values: readonly T[], what: string) =>
  z.enum(values as [T, ...T[]], { error: (issue) => `unknown ${what} ${JSON.stringify(issue.input)} (one of: ${values.join(', ')})` });

/** A JSON object from outside (metadata, a JWK): refused when it nests more than MAX_JSON_DEPTH levels, itself included. */
export const jsonObject = () => z.record(z.string(), z.unknown())
  .refine((value) => !nestedDeeperThan(value, MAX_JSON_DEPTH), { error: `nests more than ${MAX_JSON_DEPTH} levels of objects and arrays` });

/** A web origin as browsers send it (RFC 6454 §6.2): scheme, host and port, nothing else, so it is compared exactly. */
export const webOrigin = z.string().refine((value) =>
  URL.canParse(value) && /^https?:$/.test(new URL(value).protocol) && new URL(value).origin === value && !value.includes('*'), {
  error: 'must be an origin such as "https://app.example.com" or "http://localhost:5173": http(s), no path, no trailing slash, no wildcard',
});
