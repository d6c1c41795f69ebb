/**
 * Tollgate's public API, `import { createServer, parseConfig } from 'tollgate'`: build a server from a validated
 * configuration, the configuration's types, the errors its endpoints answer with, and the types a post-login action
 * is written against (also at 'tollgate/actions'). Everything else under src/ is internal and may change.
 */
export { createServer, type ServerOptions, type Tollgate } from './server.ts';

export { ConfigError, configWarnings, loadConfigFile, parseConfig } from './config/load.ts';
export type {
  ActionConfig,
  ApiConfig,
  AttackProtectionConfig,
  ClientConfig,
  Config,
  ConfigInput,
  ConnectionConfig,
  MfaConfig,
  PasswordPolicy,
  UserConfig,
} from './config/schema.ts';

export {
  AccessDeniedError,
  AssociationRequiredError,
  AuthorizationPendingError,
  InsufficientScopeError,
  InvalidClientError,
  InvalidDpopProofError,
  InvalidGrantError,
  InvalidRequestError,
  InvalidScopeError,
  InvalidTokenError,
  MethodNotAllowedError,
  MfaRequiredError,
  MissingTokenError,
  NotFoundError,
  OAuthError,
  PasswordLeakedError,
  ServerError,
  SlowDownError,
  TemporarilyUnavailableError,
  TooManyAttemptsError,
  TooManyRequestsError,
  UnauthorizedClientError,
  UnsupportedChallengeTypeError,
  UnsupportedGrantTypeError,
  UseDpopNonceError,
} from './errors/oauth.ts';
export {
  ConfigManagedError,
  type FieldProblem,
  InvalidInputError,
  PasswordBreachedError,
  PasswordPolicyError,
  PayloadTooLargeError,
  ResourceConflictError,
  TooManyJobsError,
} from './errors/management.ts';

export type { Action, ActionFactor, JsonValue, LoginProtocol, PostLoginApi, PostLoginEvent } from './actions/types.ts';
