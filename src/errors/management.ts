/**
 * Errors of the management API that RFC 6749/6750 have no code for, in the same JSON shape
 * ({error, error_description}); 401 and 403 are RFC 6750's (InvalidTokenError, InsufficientScopeError), 404 is
 * oauth.ts's NotFoundError.
 */
import { OAuthError, type ManagementErrorCode } from './oauth.ts';

export interface FieldProblem {
  /** The field's path: `email`, `refresh_token.rotation`, `connections[1]`; "(root)" for the input as a whole. */
  field: string;
  message: string;
}

/** 400: a body, query string or path parameter that does not validate; every problem names its field. */
export class InvalidInputError extends OAuthError {
  readonly problems: FieldProblem[];

  constructor(where: 'body' | 'query' | 'path', problems: FieldProblem[]) {
    super(`invalid_${where}`, 400, problems.map((p) => `${p.field}: ${p.message}`).join('; '));
    this.problems = problems;
  }

  override toJSON(): Record<string, string> {
    return { ...super.toJSON(), fields: this.problems as never };
  }
}

/** 409: a name already taken, or a record other records still need. */
export class ResourceConflictError extends OAuthError {
  constructor(description: string) {
    super('conflict', 409, description);
  }
}

/** 409: the configuration file owns the record; the API may read it, never change it. */
export class ConfigManagedError extends OAuthError {
  constructor(what: string) {
    super('config_managed', 409, `${what} is managed by the configuration file: change it there (it is synchronised at every start).`);
  }
}

/** 400: the connection's password policy refuses a new password; `refusal` names the rule, never the password. */
export class PasswordPolicyError extends OAuthError {
  constructor(refusal: string, code: ManagementErrorCode = 'password_policy') {
    super(code, 400, refusal);
  }

  override toJSON(): Record<string, string> {
    return { ...super.toJSON(), fields: [{ field: 'password', message: this.description.replace(/^password: /, '') }] as never };
  }
}

/** Why breached password detection refuses a password being set (Auth0: "Password is part of a known breached credential dataset"). */
export const BREACHED_REFUSAL = 'password: is part of a known breached password dataset (attack_protection.breached_password_detection)';

/** 400: breached password detection refuses a new password (the stage's block shield); like a policy refusal, it names the field. */
export class PasswordBreachedError extends PasswordPolicyError {
  constructor() {
    super(BREACHED_REFUSAL, 'password_breached');
  }
}

/** 413 (RFC 9110 §15.5.14): an upload larger than the route accepts; the answer says the limit. */
export class PayloadTooLargeError extends OAuthError {
  constructor(limit: string) {
    super('payload_too_large', 413, `The request body is larger than ${limit}.`);
  }
}

/** 429 (RFC 6585 §4): this node already runs as many jobs as it takes at once (Auth0 refuses a third import job alike). */
export class TooManyJobsError extends OAuthError {
  constructor(running: number) {
    super('too_many_jobs', 429, `This node is already running ${running} import jobs: wait for one to finish.`);
    this.headers['retry-after'] = '60';
  }
}
