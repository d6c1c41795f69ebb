/**
 * TOTP secrets the configuration gives its users (`users[].otp_secret`): enrolled at start as confirmed OTP
 * authenticators, sealed like any other (mfa/secret-box.ts), so those users answer mfa_required with their app's code
 * from the first login. A user who has an OTP authenticator already keeps it: their own enrolment wins over the file.
 */
import type { Config } from '../config/schema.ts';
import type { Store } from '../storage/store.ts';
import { newAuthenticatorId } from './codes.ts';
import type { SecretBox } from './secret-box.ts';

export async function enrolConfiguredOtp(store: Pick<Store, 'mfa' | 'users'>, config: Config, box: SecretBox | undefined, now: number): Promise<void> {
  for (const [i, u] of config.users.entries()) {
    if (u.otp_secret === undefined) continue;
    if (!box) throw new Error(`users[${i}].otp_secret: MFA secrets need mfa.encryption_keys with this storage`);
    const user = await store.users.findUserByLogin(u.connection, u.username);
    if (!user) throw new Error(`users[${i}]: not found after the configuration was stored`);
    if ((await store.mfa.listAuthenticators(user.id)).some((a) => a.type === 'otp')) continue;
    const id = newAuthenticatorId('otp', null);
    await store.mfa.addAuthenticator({
      id, user_id: user.id, type: 'otp', oob_channel: null, address: null, secret: box.seal(u.otp_secret, id), created_at: now, activated_at: now,
    });
  }
}
