/**
 * Runs the configured post-login actions in order, each under its time limit, and turns what they asked for into
 * one outcome, or into the error that ends the login. What went wrong inside an action goes to the event log,
 * never to the client, which sees only server_error.
 */
import type { AuditLog } from '../events/audit.ts';
import { AccessDeniedError, InvalidRequestError, ServerError, type OAuthError } from '../errors/oauth.ts';
import type { ClientRecord } from '../model/client.ts';
import type { UserRecord } from '../model/user.ts';
import { ActionCalls, emptyOutcome, type ActionOutcome } from './action-calls.ts';
import { MAX_CUSTOM_CLAIMS_BYTES } from './claims.ts';
import type { Action, LoginProtocol, PostLoginEvent } from './types.ts';

export interface LoadedAction {
  name: string;
  run: Action['onExecutePostLogin'];
  /** Runs only for these clients / connections when set. */
  clients: ReadonlySet<string> | undefined;
  connections: ReadonlySet<string> | undefined;
  /** Milliseconds. */
  timeout: number;
}

/** One login as the pipeline sees it. */
export interface PostLoginInput {
  user: UserRecord;
  client: ClientRecord;
  connection: string;
  protocol: LoginProtocol;
  request: { ip: string; userAgent: string | undefined };
  requestedScopes: readonly string[];
  grantedScopes: readonly string[];
  audience: string | null;
  methods: readonly { name: string; timestamp: number }[];
}

export class ActionPipeline {
  readonly #actions: readonly LoadedAction[];
  readonly #allowedClaims: ReadonlySet<string>;
  readonly #audit: AuditLog;

  constructor(actions: readonly LoadedAction[], allowedClaims: readonly string[], audit: AuditLog) {
    this.#actions = actions;
    this.#allowedClaims = new Set(allowedClaims);
    this.#audit = audit;
  }

  /** Whether any action would run for this login (none configured is the common, free case). */
  appliesTo(client: ClientRecord, connection: string): boolean {
    return this.#actions.some((a) => runsFor(a, client, connection));
  }

  async run(input: PostLoginInput): Promise<ActionOutcome> {
    const outcome = emptyOutcome();
    const applicable = this.#actions.filter((a) => runsFor(a, input.client, input.connection));
    if (applicable.length === 0) return outcome;
    const event = postLoginEvent(input);
    for (const action of applicable) {
      const calls = new ActionCalls(outcome, event, this.#allowedClaims);
      const failure = await runWithin(action, event, calls);
      calls.close();
      const error = failure ?? this.#judge(calls, outcome);
      if (error) throw await this.#audit.fail(error.error, this.#event(input, action, error));
    }
    return outcome;
  }

  /** The error the recorded calls end the login with, if any. */
  #judge(calls: ActionCalls, outcome: ActionOutcome): Failure | undefined {
    if (calls.redirected) {
      return { error: new InvalidRequestError('A post-login action asked to redirect the user, which a token request cannot do.', 'action.redirect'), type: 'action.failed', reason: 'redirect.sendUserTo is impossible in a password exchange' };
    }
    if (calls.violation) return serverError(calls.violation);
    for (const [token, claims] of [['access token', outcome.accessClaims], ['ID token', outcome.idClaims]] as const) {
      if (JSON.stringify(claims).length > MAX_CUSTOM_CLAIMS_BYTES) return serverError(`custom claims of the ${token} exceed ${MAX_CUSTOM_CLAIMS_BYTES} bytes`);
    }
    if (calls.denied !== undefined) return { error: new AccessDeniedError(calls.denied, 'action.denied'), type: 'action.denied', reason: calls.denied };
    return undefined;
  }

  #event(input: PostLoginInput, action: LoadedAction, failure: Failure) {
    return {
      type: failure.type, outcome: 'failure' as const, reason: `${action.name}: ${failure.reason}`,
      client_id: input.client.client_id, connection: input.connection, username: input.user.username.toLowerCase(), user_id: input.user.id,
      ip: input.request.ip, user_agent: input.request.userAgent ?? null,
    };
  }
}

interface Failure {
  error: OAuthError;
  type: 'action.failed' | 'action.denied';
  /** For the event log only. */
  reason: string;
}

function serverError(reason: string): Failure {
  return { error: new ServerError(`action.failed: ${reason}`), type: 'action.failed', reason };
}

function runsFor(action: LoadedAction, client: ClientRecord, connection: string): boolean {
  return (action.clients === undefined || action.clients.has(client.client_id))
    && (action.connections === undefined || action.connections.has(connection));
}

/** Runs one action; a throw or the time limit becomes a failure (the action itself cannot be stopped, only ignored). */
async function runWithin(action: LoadedAction, event: PostLoginEvent, calls: ActionCalls): Promise<Failure | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<Failure>((resolve) => {
    timer = setTimeout(() => resolve(serverError(`timed out after ${action.timeout} ms`)), action.timeout);
  });
  const ran = (async () => action.run(event, calls.api()))().then(
    () => undefined,
    // A call that broke a rule throws inside the action: the rule, not the throw, is what the event names.
    (err: unknown) => (calls.violation || calls.redirected ? undefined : serverError(`threw: ${describe(err)}`)),
  );
  try {
    return await Promise.race([ran, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** A fresh copy per login, so what one action does to it never reaches another login. */
function postLoginEvent(input: PostLoginInput): PostLoginEvent {
  const { user, client } = input;
  return {
    user: {
      sub: user.id, user_id: user.id, connection: user.connection, username: user.username, email: user.email, email_verified: user.email_verified,
      name: user.name, given_name: user.given_name, family_name: user.family_name, nickname: user.nickname, picture: user.picture,
      user_metadata: structuredClone(user.user_metadata), app_metadata: structuredClone(user.app_metadata),
    },
    client: { client_id: client.client_id, name: client.name, metadata: { ...(client.client_metadata ?? {}) } },
    request: { ip: input.request.ip, user_agent: input.request.userAgent ?? null },
    transaction: {
      protocol: input.protocol, requested_scopes: [...input.requestedScopes], granted_scopes: [...input.grantedScopes], audience: input.audience,
    },
    authentication: { methods: input.methods.map((m) => ({ ...m })) },
  };
}
