/**
 * The `api` one action run receives. Calls are recorded, not acted on: the pipeline decides what they mean once
 * the action has returned, and an action that outlives its time limit can no longer change anything.
 */
import type { ActionFactor, JsonValue, PostLoginApi, PostLoginEvent } from './types.ts';
import type { ActionOutcome } from '../model/login.ts';
import { claimNameProblem, claimValueProblem } from './claims.ts';

export type { ActionOutcome };

export function emptyOutcome(): ActionOutcome {
  return { accessClaims: {}, idClaims: {}, appMetadata: {}, userMetadata: {}, mfa: undefined, removedScopes: [] };
}

const FACTORS: readonly ActionFactor[] = ['any', 'otp', 'email', 'sms'];
const MAX_METADATA_KEY = 255;

/** The calls of one action run. */
export class ActionCalls {
  /** access.deny's reason. */
  denied: string | undefined;
  /** redirect.sendUserTo was called. */
  redirected = false;
  /** The first rule the action broke (a claim name or value, a metadata key, a factor). */
  violation: string | undefined;
  readonly #outcome: ActionOutcome;
  readonly #event: PostLoginEvent;
  readonly #allowedClaims: ReadonlySet<string>;
  #open = true;

  constructor(outcome: ActionOutcome, event: PostLoginEvent, allowedClaims: ReadonlySet<string>) {
    this.#outcome = outcome;
    this.#event = event;
    this.#allowedClaims = allowedClaims;
  }

  /** After this, calls throw and change nothing (the action returned, threw or timed out). */
  close(): void {
    this.#open = false;
  }

  api(): PostLoginApi {
    return {
      accessToken: {
        setCustomClaim: (name, value) => this.#claim(this.#outcome.accessClaims, name, value),
        removeScope: (scope) => {
          this.#ensureOpen();
          if (typeof scope !== 'string' || scope === '') this.#refuse('removeScope: a scope must be a non-empty string');
          this.#outcome.removedScopes = [...(this.#outcome.removedScopes ?? []), scope];
          // Later actions see the tokens' scopes as they now are.
          this.#event.transaction.granted_scopes = this.#event.transaction.granted_scopes.filter((granted) => granted !== scope);
        },
      },
      idToken: { setCustomClaim: (name, value) => this.#claim(this.#outcome.idClaims, name, value) },
      access: {
        deny: (reason) => {
          this.#ensureOpen();
          this.denied ??= typeof reason === 'string' && reason !== '' ? reason : 'Access denied.';
        },
      },
      multifactor: {
        enable: (factor = 'any') => {
          this.#ensureOpen();
          if (!FACTORS.includes(factor)) this.#refuse(`multifactor.enable: unknown factor "${String(factor)}" (one of ${FACTORS.join(', ')})`);
          // A specific factor asked by one action wins over "any" from another.
          if (this.#outcome.mfa === undefined || this.#outcome.mfa === 'any') this.#outcome.mfa = factor;
        },
      },
      user: {
        setAppMetadata: (name, value) => this.#metadata('app_metadata', this.#outcome.appMetadata, name, value),
        setUserMetadata: (name, value) => this.#metadata('user_metadata', this.#outcome.userMetadata, name, value),
      },
      redirect: {
        sendUserTo: () => {
          this.#ensureOpen();
          this.redirected = true;
          throw new Error('redirect.sendUserTo: a password exchange has no browser to redirect');
        },
      },
    };
  }

  #ensureOpen(): void {
    if (!this.#open) throw new Error('this action has already ended; its calls no longer count');
  }

  /** Records the broken rule (so the login fails even if the action catches the error) and throws it. */
  #refuse(problem: string): never {
    this.violation ??= problem;
    throw new TypeError(problem);
  }

  #claim(target: Record<string, JsonValue>, name: string, value: JsonValue): void {
    this.#ensureOpen();
    const problem = typeof name === 'string' ? claimNameProblem(name, this.#allowedClaims) ?? claimValueProblem(value) : 'a claim name must be a string';
    if (problem) this.#refuse(`setCustomClaim: ${problem}`);
    target[name] = copy(value);
  }

  #metadata(field: 'app_metadata' | 'user_metadata', patch: Record<string, JsonValue>, name: string, value: JsonValue): void {
    this.#ensureOpen();
    if (typeof name !== 'string' || name === '' || name.length > MAX_METADATA_KEY) this.#refuse(`${field}: a key must be a string of 1-${MAX_METADATA_KEY} characters`);
    const problem = claimValueProblem(value, 'metadata value');
    if (problem) this.#refuse(`${field}.${name}: ${problem}`);
    patch[name] = copy(value);
    // Later actions see the change, as they would after a store write.
    const seen = this.#event.user[field];
    if (value === null) delete seen[name];
    else seen[name] = copy(value);
  }
}

/** A copy, so later changes to the action's object cannot reach the token. */
function copy(value: JsonValue): JsonValue {
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}
