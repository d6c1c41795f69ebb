/** The demo app's page: the realm dropdown, the password and second-factor steps, and the signed-in view. */
import QRCode from 'qrcode';
import { dpopKey } from './dpop-key.ts';
import { addItem, listItems } from './items-api.ts';
import { apiMessage, loginMessage, otpMessage } from './messages.ts';
import { Session } from './session.ts';
import { associateOtp, type AppConfig, fetchRealms, listAuthenticators, OAuthFailure, tokenRequest, type Tokens } from './tollgate.ts';

const REALM_GRANT = 'http://auth0.com/oauth/grant-type/password-realm';
const MFA_OTP_GRANT = 'http://auth0.com/oauth/grant-type/mfa-otp';
/** offline_access: a refresh token; the API's scopes: Tollgate grants what the user may have (customers: read only). */
const SCOPE = 'openid profile offline_access read:items write:items';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const views = ['login-view', 'mfa-view', 'app-view'] as const;

/** Shows one view and moves focus to its heading, so keyboard and screen-reader users land where the page changed. */
function show(view: (typeof views)[number], focus: string | undefined): void {
  for (const v of views) $(v).hidden = v !== view;
  if (focus) $(focus).focus();
}

function say(text: string): void {
  $('status').textContent = text;
}

function fail(id: 'error' | 'api-error', text: string | undefined): void {
  const el = $(id);
  el.textContent = text ?? '';
  el.hidden = text === undefined;
}

/** While a request runs, its form's button is disabled, so a double press is not a second login attempt. */
async function busy(form: HTMLFormElement, work: () => Promise<void>): Promise<void> {
  const button = form.querySelector('button[type=submit]') as HTMLButtonElement;
  button.disabled = true;
  try {
    await work();
  } finally {
    button.disabled = false;
  }
}

async function start(): Promise<void> {
  const config = (await (await fetch('/config.json')).json()) as AppConfig;
  let key = await dpopKey();
  let session: Session | undefined;
  let mfaToken: string | undefined;

  const realmSelect = $<HTMLSelectElement>('realm');
  try {
    for (const realm of await fetchRealms(config)) realmSelect.add(new Option(realm.display_name ?? realm.name, realm.name));
  } catch {
    fail('error', 'The list of directories could not be loaded from Tollgate.');
  }
  // On arrival focus stays at the top of the page; the first Tab reaches the dropdown.
  show('login-view', undefined);

  async function showItems(): Promise<void> {
    if (!session) return;
    fail('api-error', undefined);
    try {
      const list = $('items');
      list.replaceChildren(...(await listItems(config.apiUrl, session.key, session.accessToken)).map((item) => {
        const li = document.createElement('li');
        li.textContent = item.name;
        return li;
      }));
    } catch (err) {
      fail('api-error', apiMessage(err));
    }
  }

  function describeSession(): void {
    if (!session) return;
    const el = $('session');
    el.dataset.refreshes = String(session.refreshes);
    const until = new Date(session.expiresAt).toLocaleTimeString();
    el.textContent = session.refreshes === 0
      ? `Access token valid until ${until}; it is renewed before then without asking you to sign in again.`
      : `Access token renewed ${session.refreshes} time${session.refreshes === 1 ? '' : 's'} without a new sign-in; valid until ${until}.`;
  }

  async function signedIn(tokens: Tokens, who: string): Promise<void> {
    session = new Session(config, key, tokens);
    session.onChange = (event) => {
      if (event === 'refreshed') return describeSession();
      session = undefined;
      show('login-view', 'login-title');
      fail('error', 'Your session ended. Sign in again.');
    };
    $<HTMLInputElement>('password').value = '';
    $('who').textContent = `You are ${who}.`;
    $('scopes').textContent = session.scopes.filter((s) => s.includes(':')).join(', ');
    describeSession();
    show('app-view', 'welcome');
    say('Signed in.');
    await showItems();
  }

  let pendingUser = '';
  $<HTMLFormElement>('login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    void busy(form, async () => {
      fail('error', undefined);
      const realm = realmSelect.value;
      const username = $<HTMLInputElement>('username').value.trim();
      pendingUser = `${username} (${realmSelect.selectedOptions[0]?.text ?? realm})`;
      try {
        const tokens = await tokenRequest(config, key, {
          grant_type: REALM_GRANT, realm, username, password: $<HTMLInputElement>('password').value, scope: SCOPE, audience: config.audience,
        });
        await signedIn(tokens, pendingUser);
      } catch (err) {
        if (err instanceof OAuthFailure && err.error === 'mfa_required') return askForCode(String(err.body.mfa_token));
        fail('error', loginMessage(err));
        $('password').focus();
      }
    });
  });

  /** mfa_required: the code of the user's authenticator app, after enrolling one if they have none. */
  async function askForCode(token: string): Promise<void> {
    mfaToken = token;
    $('enrol').hidden = true;
    const authenticators = await listAuthenticators(config, token);
    if (!authenticators.some((a) => a.authenticator_type === 'otp' && a.active)) {
      const enrolment = await associateOtp(config, token);
      $<HTMLImageElement>('qr').src = await QRCode.toDataURL(enrolment.barcode_uri, { margin: 1, width: 232 });
      $('otp-secret').textContent = enrolment.secret;
      $('recovery-code').textContent = enrolment.recovery_codes?.[0] ?? '';
      $('enrol').hidden = false;
    }
    $<HTMLInputElement>('otp').value = '';
    show('mfa-view', 'mfa-title');
    say('Enter the code from your authenticator app.');
  }

  $<HTMLFormElement>('otp-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    void busy(form, async () => {
      fail('error', undefined);
      try {
        const tokens = await tokenRequest(config, key, { grant_type: MFA_OTP_GRANT, mfa_token: mfaToken ?? '', otp: $<HTMLInputElement>('otp').value.trim() });
        mfaToken = undefined;
        // The recovery code was shown once; it leaves the page with the enrolment.
        $('recovery-code').textContent = '';
        await signedIn(tokens, pendingUser);
      } catch (err) {
        fail('error', otpMessage(err));
        $('otp').focus();
      }
    });
  });

  $('mfa-cancel').addEventListener('click', () => {
    mfaToken = undefined;
    $('recovery-code').textContent = '';
    show('login-view', 'login-title');
  });

  $<HTMLFormElement>('item-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    void busy(form, async () => {
      if (!session) return;
      fail('api-error', undefined);
      const input = $<HTMLInputElement>('item-name');
      try {
        await addItem(config.apiUrl, session.key, session.accessToken, input.value);
        input.value = '';
        say('Item added.');
        await showItems();
      } catch (err) {
        fail('api-error', apiMessage(err));
      }
    });
  });

  $('reload').addEventListener('click', () => void showItems());

  $('logout').addEventListener('click', () => {
    void (async () => {
      const ending = session;
      session = undefined;
      try {
        await ending?.logOut();
        say('Signed out: the refresh token is revoked and the key is gone.');
      } catch {
        say('Signed out here, but Tollgate could not be told: the refresh token expires on its own.');
      }
      // A new key for the next session: nothing of the last one carries over.
      key = await dpopKey();
      $('items').replaceChildren();
      fail('api-error', undefined);
      show('login-view', 'login-title');
    })();
  });
}

void start();
