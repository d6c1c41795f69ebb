/** Multi-factor authentication at rest: authenticators, mfa_tokens and out-of-band challenges. */
import type { ActionFactor, ActionOutcome, LoginProtocol } from './login.ts';
import type { LoginGrant } from './tokens.ts';

/** Auth0's authenticator types: a TOTP app, an out-of-band channel, the recovery code. */
export type AuthenticatorType = 'otp' | 'oob' | 'recovery-code';
export type OobChannel = 'email' | 'sms';

export interface AuthenticatorRecord {
  /** Auth0's shape: "totp|dev_…", "email|dev_…", "sms|dev_…", "recovery-code|dev_…". */
  id: string;
  user_id: string;
  type: AuthenticatorType;
  oob_channel: OobChannel | null;
  /** Where out-of-band codes go: the email address or phone number. */
  address: string | null;
  /** TOTP: the shared secret, encrypted (mfa/secret-box.ts); recovery code: its SHA-256; OOB: null. */
  secret: string | null;
  created_at: number;
  /** When its first code was verified; null while the enrolment is unconfirmed. */
  activated_at: number | null;
}

/** How an MFA login began, so its second step ends it the same way; null on tokens made before it was kept. */
export interface MfaLoginState {
  protocol: LoginProtocol;
  requested_scopes: string[];
  /** The factor a post-login action asked for; absent when the MFA policy asked. */
  factor?: ActionFactor;
  /** What the actions decided before asking for MFA: applied after it, without running them again. */
  actions?: ActionOutcome;
}

/** The mfa_token of an `mfa_required` answer: what the first step granted, waiting for a second factor. */
export interface MfaTokenRecord extends LoginGrant {
  /** SHA-256 of the token. */
  id: string;
  login: MfaLoginState | null;
  created_at: number;
  expires_at: number;
  /** Wrong answers given with it, plus answers being checked (each reserved before its check); at the limit it is dead. */
  failures: number;
  consumed_at: number | null;
}

/** An out-of-band challenge: the code sent by email or SMS, waiting to be bound (Auth0's binding_method "prompt"). */
export interface OobChallengeRecord {
  /** SHA-256 of the oob_code handed to the client. */
  id: string;
  mfa_token_id: string;
  authenticator_id: string;
  /** Keyed MAC of the binding code sent to the user (a 6-digit code: a plain hash would be guessed from a dump). */
  binding_hash: string;
  created_at: number;
  expires_at: number;
  /** Last time the client polled with it (slow_down below the interval). */
  polled_at: number | null;
  consumed_at: number | null;
}
