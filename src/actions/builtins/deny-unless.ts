/**
 * builtin/deny-unless: lets a login through only when the user matches every condition given (connection, email
 * domain, verified email, app_metadata values), and otherwise denies it with `reason`.
 */
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import type { Action, PostLoginEvent } from '../types.ts';

export const denyUnlessSettings = z.strictObject({
  connections: z.array(z.string().min(1)).min(1).optional().describe('The user\'s connection is one of these.'),
  email_domains: z.array(z.string().min(1)).min(1).optional()
    .describe('The user\'s email address is at one of these domains (compared case-insensitively; "example.com" does not match "sub.example.com").'),
  email_verified: z.boolean().optional().describe('The user\'s email_verified is this.'),
  app_metadata: z.record(z.string(), z.unknown()).optional()
    .describe('Each key holds this value, or is an array containing it, e.g. {roles: admin} or {plan: pro}.'),
  reason: z.string().min(1).max(256).default('Access denied.').describe('The error_description of the 403 access_denied.'),
}).refine((s) => s.connections || s.email_domains || s.email_verified !== undefined || s.app_metadata, { error: 'names no condition' });

type Settings = z.output<typeof denyUnlessSettings>;

function emailDomain(email: string | null): string | undefined {
  const at = email?.lastIndexOf('@') ?? -1;
  return at < 0 ? undefined : email!.slice(at + 1).toLowerCase();
}

function holds(actual: unknown, expected: unknown): boolean {
  return isDeepStrictEqual(actual, expected) || (Array.isArray(actual) && actual.some((item) => isDeepStrictEqual(item, expected)));
}

export function matches(settings: Settings, user: PostLoginEvent['user']): boolean {
  if (settings.connections && !settings.connections.includes(user.connection)) return false;
  if (settings.email_domains) {
    const domain = emailDomain(user.email);
    if (domain === undefined || !settings.email_domains.some((d) => d.toLowerCase() === domain)) return false;
  }
  if (settings.email_verified !== undefined && user.email_verified !== settings.email_verified) return false;
  return Object.entries(settings.app_metadata ?? {}).every(([key, value]) => Object.hasOwn(user.app_metadata, key) && holds(user.app_metadata[key], value));
}

export function denyUnless(settings: Settings): Action['onExecutePostLogin'] {
  return (event, api) => {
    if (!matches(settings, event.user)) api.access.deny(settings.reason);
  };
}
